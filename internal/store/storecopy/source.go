package storecopy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// ErrInUse means another process has the SQLite file open: a server still
// serving it would go on writing rows the copy never sees.
var ErrInUse = errors.New("the SQLite database is open in another process")

// checkSource refuses a path that is not an existing file, or that another
// process has open. Opening the store would create a missing file, and a
// copy of a new, empty database is never what was meant.
func checkSource(path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("SQLite database %s: no such file", path)
	}
	if err != nil {
		return fmt.Errorf("SQLite database: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("SQLite database %s: not a regular file", path)
	}
	p, err := newProbe(path)
	if err != nil {
		return fmt.Errorf("SQLite database %s: see whether it is in use: %w", path, err)
	}
	defer p.close()
	return checkProbe(p, path)
}

// checkProbe returns ErrInUse when p finds the file open elsewhere.
func checkProbe(p *shmProbe, path string) error {
	open, err := p.held()
	if err != nil {
		return fmt.Errorf("SQLite database %s: see whether it is in use: %w", path, err)
	}
	if open {
		return fmt.Errorf("%w (%s): stop the Tixallo server, and any tixallo command, using it first", ErrInUse, path)
	}
	return nil
}

// openSource opens the file read-only on one connection: the copy reads
// every table in one transaction, so the rows of all tables are one
// snapshot.
func openSource(ctx context.Context, path string) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("SQLite database: %w", err)
	}
	// A file: URI, so that mode=ro reaches SQLite: the copy cannot write to
	// the file, nor create one. The path is escaped, since SQLite reads ?
	// and # in it as the URI's own.
	u := url.URL{Path: abs}
	params := []string{"mode=ro", "_pragma=busy_timeout(10000)", "_pragma=query_only(1)"}
	db, err := sql.Open("sqlite", "file://"+u.EscapedPath()+"?"+strings.Join(params, "&"))
	if err != nil {
		return nil, fmt.Errorf("SQLite database: %w", err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("SQLite database %s: %w", path, err)
	}
	return db, nil
}
