// Package migrate applies a store's numbered SQL migrations. It knows no
// dialect: a store hands it the migration files and a way to open a
// transaction that holds a lock serialising every migrator of the database,
// which is BEGIN IMMEDIATE on SQLite and pg_advisory_xact_lock on PostgreSQL.
//
// Applied versions are recorded in schema_migrations. Each file runs in its
// own transaction together with its record, so a failed file leaves neither
// its changes nor a record behind, and the next start tries it again.
package migrate

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Migration is one numbered SQL file.
type Migration struct {
	Version int
	Name    string // the file name without the version and ".sql"
	SQL     string
}

// DB is a database as the runner needs it. Each store adapts its own handle
// in a few lines.
type DB interface {
	// LockedTx runs fn in one transaction that holds a lock every migrator of
	// this database takes, and commits when fn returns nil.
	LockedTx(ctx context.Context, fn func(tx Tx) error) error
}

// Tx is a transaction as the runner uses it. Statements use $1, $2…
// placeholders, which PostgreSQL and modernc.org/sqlite both understand.
type Tx interface {
	// Exec runs a statement, or a whole migration file when args are empty.
	Exec(ctx context.Context, query string, args ...any) error
	// QueryInts runs a query whose rows hold one integer column.
	QueryInts(ctx context.Context, query string, args ...any) ([]int64, error)
}

// fileName is NNNN_name.sql: a version of at least four digits, then a name.
var fileName = regexp.MustCompile(`^([0-9]{4,})_([a-z0-9_]+)\.sql$`)

// Load reads the migrations at the top of fsys, in version order. Files that
// do not end in .sql are ignored; a .sql file with another name, or two files
// with one version, is an error, because a typo must not skip a migration.
func Load(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration %q: name must look like 0001_name.sql", e.Name())
		}
		version, err := strconv.Atoi(m[1])
		if err != nil || version == 0 {
			return nil, fmt.Errorf("migration %q: bad version", e.Name())
		}
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %q: %w", e.Name(), err)
		}
		out = append(out, Migration{Version: version, Name: m[2], SQL: string(body)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("two migrations with version %d", out[i].Version)
		}
	}
	return out, nil
}

// createTable is plain SQL that both dialects accept. applied_at is Unix
// microseconds, like every time in Tixallo's SQLite schema.
const createTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  BIGINT NOT NULL
)`

// Run applies the migrations of fsys that db has not applied yet, in version
// order, each in its own locked transaction, and returns those it applied.
//
// Two processes may run it at once: each migration re-checks under the lock
// whether another process applied it meanwhile. Versions recorded in the
// database but missing from fsys are left alone, so an older binary can
// still start against a database that a newer one migrated (migrations are
// written to be additive for that reason).
func Run(ctx context.Context, db DB, fsys fs.FS) ([]Migration, error) {
	migrations, err := Load(fsys)
	if err != nil {
		return nil, err
	}
	var applied []int64
	err = db.LockedTx(ctx, func(tx Tx) error {
		if err := tx.Exec(ctx, createTable); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		applied, err = tx.QueryInts(ctx, `SELECT version FROM schema_migrations`)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}

	var done []Migration
	for _, m := range migrations {
		if slices.Contains(applied, int64(m.Version)) {
			continue
		}
		ran := false
		err := db.LockedTx(ctx, func(tx Tx) error {
			// Another process may have applied it since we looked.
			n, err := tx.QueryInts(ctx, `SELECT version FROM schema_migrations WHERE version = $1`, m.Version)
			if err != nil || len(n) > 0 {
				return err
			}
			if err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			ran = true
			return tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.Version, m.Name, time.Now().UnixMicro())
		})
		if err != nil {
			return done, fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
		}
		if ran {
			done = append(done, m)
		}
	}
	return done, nil
}
