package migrate

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// createTable is plain SQL that both dialects accept. applied_at is Unix
// microseconds, like every time in Tixallo's SQLite schema. checksum is
// NULL only in a row written by a binary from before checksums (including
// one still running during a rolling upgrade); prepare fills it.
const createTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  BIGINT NOT NULL,
    checksum    TEXT
)`

// record is one row of schema_migrations; checksum is "" for NULL.
type record struct {
	name     string
	checksum string
}

// ChecksumError refuses a database that applied a migration whose file has
// changed since.
type ChecksumError struct {
	Migration Migration // the file as this binary has it
	// AppliedName is the name recorded with the version, which differs from
	// Migration.Name when another file took the version (two branches that
	// each added one).
	AppliedName string
	Applied     string // the checksum recorded when it was applied
}

func (e *ChecksumError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "migration %s differs from the one this database applied", e.Migration.File())
	if e.AppliedName != e.Migration.Name {
		fmt.Fprintf(&b, " (applied as %04d_%s.sql)", e.Migration.Version, e.AppliedName)
	}
	fmt.Fprintf(&b, ": applied sha256 %s, file sha256 %s; "+
		"restore the file to the text that was applied (a change belongs in a new migration), or recreate the database", e.Applied, e.Migration.Checksum)
	return b.String()
}

// prepare brings schema_migrations to the current shape inside the locked
// transaction tx, checks every applied migration the binary knows against
// its file, and returns the applied versions.
//
// A table from before checksums gets the column, and its rows get the
// checksum of the file this binary carries: what a database really applied
// then is unknowable, so the first start after the upgrade is trusted, and
// only changes made after it are caught.
func prepare(ctx context.Context, tx Tx, migrations []Migration) (map[int]record, error) {
	if err := tx.Exec(ctx, createTable); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	cols, err := tx.Columns(ctx, `SELECT * FROM schema_migrations LIMIT 0`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations columns: %w", err)
	}
	if !slices.ContainsFunc(cols, func(c string) bool { return strings.EqualFold(c, "checksum") }) {
		if err := tx.Exec(ctx, `ALTER TABLE schema_migrations ADD COLUMN checksum TEXT`); err != nil {
			return nil, fmt.Errorf("add schema_migrations.checksum: %w", err)
		}
	}
	applied, err := records(ctx, tx, "")
	if err != nil {
		return nil, err
	}
	for _, m := range migrations {
		r, ok := applied[m.Version]
		if !ok {
			continue
		}
		if r.checksum == "" {
			err := tx.Exec(ctx, `UPDATE schema_migrations SET checksum = $1 WHERE version = $2 AND checksum IS NULL`,
				m.Checksum, m.Version)
			if err != nil {
				return nil, fmt.Errorf("record the checksum of %s: %w", m.File(), err)
			}
			continue
		}
		if err := verify(m, r); err != nil {
			return nil, err
		}
	}
	return applied, nil
}

// records reads schema_migrations, or the rows that where selects.
func records(ctx context.Context, tx Tx, where string, args ...any) (map[int]record, error) {
	out := make(map[int]record)
	err := tx.Query(ctx, `SELECT version, name, COALESCE(checksum, '') FROM schema_migrations `+where, args,
		func(scan func(dest ...any) error) error {
			var v int64
			var r record
			if err := scan(&v, &r.name, &r.checksum); err != nil {
				return err
			}
			out[int(v)] = r
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	return out, nil
}

// verify compares an applied migration's record with its file. A record
// without a checksum passes: prepare fills it at the next start.
func verify(m Migration, r record) error {
	if r.checksum == "" || r.checksum == m.Checksum {
		return nil
	}
	return &ChecksumError{Migration: m, AppliedName: r.name, Applied: r.checksum}
}
