// Package migrate applies a store's numbered SQL migrations. It knows no
// dialect: a store hands it the migration files and a way to open a
// transaction that holds a lock serialising every migrator of the database,
// which is BEGIN IMMEDIATE on SQLite and pg_advisory_xact_lock on PostgreSQL.
//
// Applied versions are recorded in schema_migrations with the SHA-256 of the
// file that was applied. Each file runs in its own transaction together with
// its record, so a failed file leaves neither its changes nor a record
// behind, and the next start tries it again.
//
// Every start compares the recorded checksums with the files the binary
// carries and refuses to go on when one differs (see ChecksumError): an
// applied migration edited afterwards would otherwise leave databases that
// applied the old text and databases that applied the new one silently
// different. Versions the database has but the binary does not (a newer
// binary migrated it, and this older one was started again) are neither
// checked nor touched, so that a rollback of the binary keeps working.
package migrate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	// Checksum is the hex SHA-256 of the file's bytes, as sha256sum prints
	// it, so that an operator can compare it with a file by hand.
	Checksum string
}

// File is the migration's file name, as errors and operators name it.
func (m Migration) File() string { return fmt.Sprintf("%04d_%s.sql", m.Version, m.Name) }

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
	// Query runs a query and calls row once for each result row, with a
	// function that scans the row into dest like Rows.Scan.
	Query(ctx context.Context, query string, args []any, row func(scan func(dest ...any) error) error) error
	// Columns returns the names of the columns a query's result has. The
	// query's statement must not be cached: the runner asks it of
	// schema_migrations just before it may add a column to that table.
	Columns(ctx context.Context, query string) ([]string, error)
}

// Rows is what the drivers' result sets have in common for EachRow.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// EachRow calls row for each row of rows, as Tx.Query does, and stops at
// the first error. The caller closes rows.
func EachRow(rows Rows, row func(scan func(dest ...any) error) error) error {
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
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
		sum := sha256.Sum256(body)
		out = append(out, Migration{Version: version, Name: m[2], SQL: string(body), Checksum: hex.EncodeToString(sum[:])})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("two migrations with version %d", out[i].Version)
		}
	}
	return out, nil
}

// Run applies the migrations of fsys that db has not applied yet, in version
// order, each in its own locked transaction, and returns those it applied.
// Before it applies any, it brings schema_migrations up to date (see
// prepare) and checks every applied migration's checksum, so a database
// whose applied migration changed is refused before anything is written.
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
	var applied map[int]record
	err = db.LockedTx(ctx, func(tx Tx) error {
		var err error
		applied, err = prepare(ctx, tx, migrations)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("check applied migrations: %w", err)
	}

	var done []Migration
	for _, m := range migrations {
		if _, ok := applied[m.Version]; ok {
			continue
		}
		ran := false
		err := db.LockedTx(ctx, func(tx Tx) error {
			// Another process may have applied it since we looked.
			recs, err := records(ctx, tx, `WHERE version = $1`, m.Version)
			if err != nil {
				return err
			}
			if r, ok := recs[m.Version]; ok {
				return verify(m, r)
			}
			if err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			ran = true
			return tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at, checksum) VALUES ($1, $2, $3, $4)`,
				m.Version, m.Name, time.Now().UnixMicro(), m.Checksum)
		})
		if err != nil {
			return done, fmt.Errorf("migration %s: %w", m.File(), err)
		}
		if ran {
			done = append(done, m)
		}
	}
	return done, nil
}
