package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/tixallo/tixallo/internal/app"
	"github.com/tixallo/tixallo/internal/config"
)

// errUsage means the usage text was already printed.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

const usage = `Tixallo is a help desk: one binary that serves the agent app and the public API.

Usage:
  tixallo serve [flags]                     start the server (SQLite by default, no setup)
  tixallo migrate [--database ...]           apply database migrations and exit
  tixallo copy --from FILE [--to postgres://…]
                                            move a SQLite installation into an empty
                                            PostgreSQL database; stop the server first
  tixallo workspace create --name NAME --owner-email EMAIL
                                            create a workspace; prints it as JSON with the
                                            owner's one-time set-password link
  tixallo key create --workspace ID|SLUG --name NAME [--scope read|read_write] [--expires-in 90d]
                                            create an API key; prints the key alone on stdout
  tixallo key list --workspace ID|SLUG      one line per key: key id, name, scope, created,
                                            last used, status
  tixallo key revoke --workspace ID|SLUG KEY_ID
                                            revoke a key by its 8-character key id

Every command but copy takes --database (env TIXALLO_DATABASE, default tixallo.db).
Run "tixallo COMMAND --help" for a command's flags.
`

// run is the whole program, with its environment passed in so tests can run
// it in-process: the arguments without the program name, a getenv, and the
// two output streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return serve(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, rest, getenv, stdout, stderr)
	case "copy":
		return copyCommand(ctx, rest, getenv, stdout, stderr)
	case "workspace":
		return workspaceCommand(ctx, rest, getenv, stdout, stderr)
	case "key":
		return keyCommand(ctx, rest, getenv, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "tixallo: unknown command %q\n\n%s", cmd, usage)
		return errUsage
	}
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := config.Default()
	fs, envErr := cfg.FlagSet("tixallo serve", getenv, stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: tixallo serve [flags]\n\nStarts Tixallo: the agent app at / and the public API at /api/v1.\nEvery flag can also be set with the TIXALLO_* variable shown.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if envErr != nil {
		return envErr
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := newLogger(cfg.LogFormat, stderr)
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		a.Store.Close()
		return fmt.Errorf("listen: %w", err)
	}
	return a.Serve(ctx, ln)
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// databaseFlag adds --database to an operator command, defaulted from
// TIXALLO_DATABASE like serve's.
func databaseFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	def := config.Default().Database
	if v := getenv("TIXALLO_DATABASE"); v != "" {
		def = v
	}
	return fs.String("database", def, "SQLite file path, or a postgres:// URL (env TIXALLO_DATABASE)")
}

// newFlagSet returns a flag set whose --help prints a short description.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags, treating --help as success.
func parse(fs *flag.FlagSet, args []string) (help bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return false, errUsage
	}
	return false, nil
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("tixallo migrate", "tixallo migrate [--database PATH|URL]", stderr)
	db := databaseFlag(fs, getenv)
	if help, err := parse(fs, args); help || err != nil {
		return err
	}
	s, err := app.OpenStore(ctx, *db, true)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "migrations applied to", config.RedactDatabase(*db))
	return s.Close()
}
