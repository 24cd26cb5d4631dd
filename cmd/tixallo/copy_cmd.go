package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/tixallo/tixallo/internal/config"
	"github.com/tixallo/tixallo/internal/store/storecopy"
)

const copySynopsis = `tixallo copy --from FILE [--to postgres://…]

Copies a Tixallo installation from its SQLite file into an empty PostgreSQL
database: every workspace, user, session, key, ticket, event and webhook, with
the same ids, ticket numbers and event seqs. Stop the server on the SQLite file
first (the copy refuses a file another process has open) and back the file up.
Both databases are migrated to this binary's schema first; the rows are then
copied in one PostgreSQL transaction, all or nothing, and the copy refuses a
PostgreSQL database that already holds any row. Start the PostgreSQL servers
with the SQLite server's key file (--secret-key-file FILE.key): it opens the
webhook secrets and signs the list cursors.`

func copyCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("tixallo copy", copySynopsis, stderr)
	from := fs.String("from", "", "the SQLite database file to copy (required)")
	// Not the flag's default: --help prints defaults, and the URL may hold a
	// password.
	to := fs.String("to", "", "the PostgreSQL database to fill, postgres://… (default: TIXALLO_DATABASE when it is a postgres:// URL)")
	if help, err := parse(fs, args); help || err != nil {
		return err
	}
	if *to == "" && config.IsPostgresURL(getenv("TIXALLO_DATABASE")) {
		*to = getenv("TIXALLO_DATABASE")
	}
	if *from == "" || !config.IsPostgresURL(*to) || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	res, err := storecopy.Copy(ctx, storecopy.Options{SQLitePath: *from, PostgresURL: *to})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "copied %s into %s in %s\n", *from, config.RedactDatabase(*to), res.Elapsed.Round(time.Millisecond))
	width := len("total")
	for _, t := range res.Tables {
		width = max(width, len(t.Table))
	}
	fmt.Fprintf(stdout, "  %-*s %9s\n", width, "table", "rows")
	for _, t := range res.Tables {
		fmt.Fprintf(stdout, "  %-*s %9d\n", width, t.Table, t.Rows)
	}
	fmt.Fprintf(stdout, "  %-*s %9d\n", width, "total", res.Rows)
	if key := *from + ".key"; fileExists(key) {
		fmt.Fprintf(stdout, "start the PostgreSQL servers with --secret-key-file %s (or a copy of it)\n", key)
	}
	return nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}
