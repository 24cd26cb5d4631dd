// Package sqlite is Tixallo's store on SQLite, through the pure-Go
// modernc.org/sqlite driver.
//
// It is set up the way PocketBase runs SQLite in production: every
// connection gets its pragmas from the DSN (busy_timeout first, then WAL,
// foreign keys, synchronous=FULL so that an acknowledged commit survives a
// power cut), one connection writes and a pool of query-only connections
// reads. With WAL the readers never wait for the writer, and with a single
// writer whose transactions start with BEGIN IMMEDIATE, write transactions
// queue in Go instead of failing with SQLITE_BUSY halfway through.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strings"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/migrate"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Options configures Open.
type Options struct {
	// Migrate applies pending migrations before Open returns.
	Migrate bool
	// OnQuery, when set, is called once for every statement the store sends
	// to SQLite on behalf of its methods, BEGIN and COMMIT included. Tests use
	// it to prove that a code path costs no query at all.
	OnQuery func()
}

// Store is the SQLite implementation of helpdesk.Store. Its reads go to the
// read pool; reads made through a Tx see that transaction's writes.
type Store struct {
	reader
	write *sql.DB
	read  *sql.DB
}

var _ helpdesk.Store = (*Store)(nil)

// busyTimeoutMillis is how long a connection waits for another process's
// lock before giving up: long enough for a migrating sibling process or a
// checkpoint, short enough that a stuck lock surfaces as an error.
const busyTimeoutMillis = 10000

// pragmas are the settings every pooled connection gets, through its DSN.
// The driver runs busy_timeout first, so that the others wait for a lock
// held by another process instead of failing.
func pragmas() []string {
	return []string{
		fmt.Sprintf("busy_timeout(%d)", busyTimeoutMillis),
		"journal_mode(WAL)",
		"foreign_keys(ON)",
		// FULL syncs the WAL on every commit: an acknowledged write survives
		// power loss, which NORMAL does not promise.
		"synchronous(FULL)",
		"temp_store(MEMORY)",
		"cache_size(-16000)", // 16 MB per connection
	}
}

// Open opens (creating if needed) the SQLite database at path. path must be a
// file: an in-memory database would give every pooled connection its own.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" || path == ":memory:" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlite: %q is not a usable database file path", path)
	}
	write, err := sql.Open("sqlite", dsn(path, "_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open writer: %w", err)
	}
	// One writer: SQLite allows one write transaction at a time anyway, and
	// queueing in database/sql is cheaper and fairer than busy-waiting.
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	// Connect the writer first so that it, not a reader, switches a new
	// database file to WAL.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: connect %s: %w", path, err)
	}

	// query_only makes a write through the read pool fail loudly instead of
	// racing the writer for the lock.
	read, err := sql.Open("sqlite", dsn(path, "_pragma=query_only(1)"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open readers: %w", err)
	}
	n := max(4, runtime.NumCPU()*2)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)

	s := &Store{
		reader: reader{db: read, onQuery: opts.OnQuery},
		write:  write,
		read:   read,
	}
	if opts.Migrate {
		if err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// dsn builds a connection string for path with the shared pragmas and extra
// driver parameters.
func dsn(path string, extra ...string) string {
	var params []string
	for _, p := range pragmas() {
		params = append(params, "_pragma="+p)
	}
	params = append(params, extra...)
	return path + "?" + strings.Join(params, "&")
}

// Migrations returns the embedded migration files, for tools that inspect
// the schema.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded above; fs.Sub cannot fail on it
	}
	return sub
}

// Migrate applies pending migrations, each in its own write transaction. The
// writer's BEGIN IMMEDIATE takes SQLite's write lock, so two processes
// migrating one file at once apply each migration once.
func (s *Store) Migrate(ctx context.Context) error {
	db := migrate.SQL(func(ctx context.Context) (*sql.Tx, error) { return s.write.BeginTx(ctx, nil) })
	if _, err := migrate.Run(ctx, db, Migrations()); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// InTx runs fn in one write transaction (BEGIN IMMEDIATE) and commits when fn
// returns nil; fn's error is returned as it is. There is one write
// connection, so fn must not call InTx itself: that would wait forever.
func (s *Store) InTx(ctx context.Context, fn func(tx helpdesk.Tx) error) (err error) {
	s.counted()
	sqlTx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	committed := false
	defer func() {
		// Also runs when fn panics, so the writer is never left mid-transaction.
		if !committed {
			s.counted()
			if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
				err = errors.Join(err, fmt.Errorf("sqlite: rollback: %w", rbErr))
			}
		}
	}()
	if err := fn(&txn{reader{db: sqlTx, onQuery: s.onQuery}}); err != nil {
		return err
	}
	s.counted()
	committed = true
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// Ping reports whether the database answers, through the read pool so that a
// long write transaction does not make the instance look unready.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close closes both pools. It first lets SQLite refresh its query-planner
// statistics (PRAGMA optimize), as the SQLite documentation recommends
// before closing a long-lived connection; that is best effort and never a
// reason for Close to fail.
func (s *Store) Close() error {
	_, _ = s.write.Exec("PRAGMA optimize")
	return errors.Join(s.read.Close(), s.write.Close())
}
