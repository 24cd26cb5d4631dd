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
//
// Three things keep it fast (docs/benchmarks.md has the measurements):
// every statement is prepared once per connection (stmtcache.go); concurrent
// InTx calls share one transaction and one fsync, each in its own savepoint
// (writer.go, "group commit"); and API key records may be cached for under a
// second (keycache.go, Options.APIKeyCacheTTL).
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
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/keycache"
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
	// to SQLite on behalf of its methods, and once for the start and once for
	// the end of each InTx call (its savepoint and release or rollback, in
	// the place of BEGIN and COMMIT). Tests use it to prove that a code path
	// costs no query at all.
	OnQuery func()
	// APIKeyCacheTTL, when positive, lets APIKeyByKeyID answer from memory
	// for that long (at most MaxAPIKeyCacheTTL). A key revoked through this
	// Store stops working at once; one revoked by another process within the
	// TTL. Zero reads the database every time. See keycache.go.
	APIKeyCacheTTL time.Duration
}

// Store is the SQLite implementation of helpdesk.Store. Its reads go to the
// read pool; reads made through a Tx see that transaction's writes.
type Store struct {
	reader
	write *sql.DB // the writer's connection, plus one for Migrate and Close
	read  *sql.DB
	w     *writer
	keys  *keycache.Cache // nil unless Options.APIKeyCacheTTL is set
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
		// 2 MB of page cache per connection. The kernel's page cache holds
		// the file anyway; SQLite's own copy only saves a copy from it, and at
		// 16 MB per connection (which modernc's allocator rounds up to about
		// 32 MB) the server's RSS grew to 165 MB on a 344 MB database.
		"cache_size(-2000)",
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
	// queueing in Go is cheaper and fairer than busy-waiting. The writer
	// goroutine holds one connection of this pool; the second serves
	// Migrate and Close, whose transactions SQLite's lock (BEGIN IMMEDIATE,
	// busy_timeout) orders with the writer's as it does another process's.
	write.SetMaxOpenConns(2)
	write.SetMaxIdleConns(2)
	write.SetConnMaxLifetime(0)
	// Connect the writer first so that it, not a reader, switches a new
	// database file to WAL.
	if err := connect(ctx, write); err != nil {
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
		reader: reader{db: newStmtCache(read), onQuery: opts.OnQuery},
		write:  write,
		read:   read,
	}
	if opts.APIKeyCacheTTL > 0 {
		s.keys = keycache.New(min(opts.APIKeyCacheTTL, MaxAPIKeyCacheTTL), true)
	}
	s.w = newWriter(write, opts.OnQuery, s.keys)
	if opts.Migrate {
		if err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// connect makes db's first connection, whose pragmas switch a new file to
// WAL. Two processes doing that at once (a server starting beside a CLI
// command on a new file) can both hold the file's shared lock and both want
// its exclusive one; SQLite then fails one of them at once with SQLITE_BUSY
// rather than call its busy handler, which could only deadlock. That
// failure is retried, for as long as busy_timeout would have waited.
func connect(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(busyTimeoutMillis * time.Millisecond)
	for delay := time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		err := db.PingContext(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
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

// Ping reports whether the database answers, through the read pool so that a
// long write transaction does not make the instance look unready.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close stops the writer, after the batch it is running and a PRAGMA
// optimize (see writer.optimize), and closes both pools.
func (s *Store) Close() error {
	s.w.stop()
	s.reader.db.(*stmtCache).close()
	return errors.Join(s.read.Close(), s.write.Close())
}
