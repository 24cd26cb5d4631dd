// Package teststore opens a fresh, migrated store for a test, on SQLite or
// on PostgreSQL, so that the API, app, domain and webhook suites run
// unchanged on both.
//
// A package opts in with a TestMain that calls Main: its tests then run
// once on SQLite and, when TIXALLO_TEST_POSTGRES holds a URL, once more on
// PostgreSQL. On PostgreSQL each Open creates a schema of its own in that
// database (cheaper than a database, and as isolated: the store's tables,
// policies and functions all live in it) and drops it when the test ends.
package teststore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/postgres"
	"github.com/tixallo/tixallo/internal/store/sqlite"
)

// EnvPostgres names the environment variable that holds the URL of a
// PostgreSQL database the tests may create schemas in.
const EnvPostgres = "TIXALLO_TEST_POSTGRES"

// Kind is a store implementation.
type Kind string

const (
	SQLite   Kind = "sqlite"
	Postgres Kind = "postgres"
)

// kind is the store of the run in progress. Main sets it between runs,
// while no test is running.
var kind = SQLite

// Current is the store this run of the package's tests uses.
func Current() Kind { return kind }

// PostgresURL is the URL in TIXALLO_TEST_POSTGRES, or "".
func PostgresURL() string { return os.Getenv(EnvPostgres) }

// Main runs the package's tests on SQLite, then, when TIXALLO_TEST_POSTGRES
// is set, again on PostgreSQL, and returns the worse exit code. A TestMain
// that has its own set-up and checks calls it in place of m.Run.
func Main(m *testing.M) int {
	kind = SQLite
	code := m.Run()
	if PostgresURL() == "" {
		return code
	}
	fmt.Fprintln(os.Stderr, "teststore: running the tests again on PostgreSQL")
	kind = Postgres
	if c := m.Run(); c != 0 {
		code = c
	}
	kind = SQLite
	return code
}

// Options adjusts Open.
type Options struct {
	// Dir is where a SQLite database file goes; t.TempDir() by default.
	Dir string
	// OnQuery is passed to the store (see sqlite.Options.OnQuery).
	OnQuery func()
}

// DB is an open test database.
type DB struct {
	Store helpdesk.Store
	Kind  Kind
	// DSN reaches the same database again, as another process would: a
	// SQLite file path or a PostgreSQL URL (whose search_path names the
	// test's schema).
	DSN string
}

// Open returns a new, empty, migrated store of the current kind, closed
// (and on PostgreSQL dropped) when t ends.
func Open(t testing.TB, opts Options) *DB {
	t.Helper()
	ctx := context.Background()
	switch kind {
	case Postgres:
		dsn := newSchema(t)
		s, err := postgres.Open(ctx, dsn, postgres.Options{Migrate: true, MaxConns: 4, OnQuery: opts.OnQuery})
		if err != nil {
			t.Fatalf("open PostgreSQL store: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return &DB{Store: s, Kind: Postgres, DSN: dsn}
	default:
		dir := opts.Dir
		if dir == "" {
			dir = t.TempDir()
		}
		path := filepath.Join(dir, "tixallo.db")
		s, err := sqlite.Open(ctx, path, sqlite.Options{Migrate: true, OnQuery: opts.OnQuery})
		if err != nil {
			t.Fatalf("open SQLite store: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return &DB{Store: s, Kind: SQLite, DSN: path}
	}
}

// Reopen opens a second store on the same database, without migrating,
// as another process sharing it would; it is closed when t ends.
func (d *DB) Reopen(t testing.TB) helpdesk.Store {
	t.Helper()
	var (
		s   helpdesk.Store
		err error
	)
	if d.Kind == Postgres {
		s, err = postgres.Open(context.Background(), d.DSN, postgres.Options{MaxConns: 4})
	} else {
		s, err = sqlite.Open(context.Background(), d.DSN, sqlite.Options{})
	}
	if err != nil {
		t.Fatalf("reopen store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// NewPostgresSchema creates an empty schema for t in the database of
// TIXALLO_TEST_POSTGRES, dropped when t ends, and returns a URL whose
// search_path names it. Tests that start whole servers use it.
func NewPostgresSchema(t testing.TB) string {
	t.Helper()
	if PostgresURL() == "" {
		t.Skip(EnvPostgres + " is not set")
	}
	return newSchema(t)
}

var (
	adminOnce sync.Once
	admin     *pgxpool.Pool
	adminErr  error
)

// newSchema creates a schema named after nothing in particular (t_ and
// random hex), drops it with everything in it when t ends, and returns the
// URL that works in it.
func newSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	adminOnce.Do(func() {
		cfg, err := pgxpool.ParseConfig(base)
		if err != nil {
			adminErr = err
			return
		}
		cfg.MaxConns = 2
		admin, adminErr = pgxpool.NewWithConfig(context.Background(), cfg)
	})
	if adminErr != nil {
		t.Fatalf("%s: %v", EnvPostgres, adminErr)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
