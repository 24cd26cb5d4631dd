package teststore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/jackc/pgx/v5"
)

// A Part is one piece of everything a test database holds: a file of a
// SQLite database, or one PostgreSQL table's rows. Tests that must prove a
// secret was never stored (SPEC §2: a full API key exists nowhere after its
// creation) search the Text of every part.
type Part struct {
	Name string // the file's path, or "table schema.name"
	Text []byte
}

// Dump returns everything the test's database holds right now. Call it
// before the test ends: on PostgreSQL the schema is dropped then.
func (d *DB) Dump(ctx context.Context) ([]Part, error) {
	if d.Kind == Postgres {
		return DumpPostgres(ctx, d.DSN)
	}
	return DumpSQLite(d.DSN)
}

// DumpSQLite returns the bytes of the database file at path and of its
// companions (-wal, -shm, -journal) where they exist. The files as they are
// on disk, not rows read through SQLite: a value deleted or overwritten but
// still in a free page or an old WAL frame is as much a leak as a live one.
func DumpSQLite(path string) ([]Part, error) {
	var parts []Part
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) && p != path {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("dump SQLite database: %w", err)
		}
		parts = append(parts, Part{Name: p, Text: b})
	}
	return parts, nil
}

// DumpPostgres returns, for every table of the schema that dsn works in (its
// search_path, as Open and NewPostgresSchema set it), the text of every row:
// one line per row, `SELECT t::text FROM schema.table t`, which spells out
// every column (jsonb, arrays and TOASTed values included). Text shows bytea
// columns as hex, so the raw bytes of each bytea value are added too, one
// part per table and column: a secret stored as bytes must be found as
// well.
//
// It connects as the URL's role, which owns the tables and so is not
// subject to their row-level security (ENABLE without FORCE): it sees every
// workspace's rows.
func DumpPostgres(ctx context.Context, dsn string) ([]Part, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("dump PostgreSQL schema: connect: %w", err)
	}
	defer conn.Close(ctx)

	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return nil, fmt.Errorf("dump PostgreSQL schema: current schema: %w", err)
	}
	if schema == "" || schema == "public" {
		// A URL without the test's search_path would dump someone else's
		// tables, or none of the test's: refuse rather than pass silently.
		return nil, fmt.Errorf("dump PostgreSQL schema: the URL names no test schema (current schema %q)", schema)
	}
	tables, err := pgTables(ctx, conn, schema)
	if err != nil {
		return nil, err
	}
	if len(tables) == 0 {
		return nil, fmt.Errorf("dump PostgreSQL schema: schema %q has no tables", schema)
	}
	var parts []Part
	for _, tbl := range tables {
		ident := pgx.Identifier{schema, tbl.name}.Sanitize()
		text, err := pgRows(ctx, conn, `SELECT t::text FROM `+ident+` t`)
		if err != nil {
			return nil, fmt.Errorf("dump PostgreSQL table %s: %w", ident, err)
		}
		parts = append(parts, Part{Name: "table " + schema + "." + tbl.name, Text: text})
		for _, col := range tbl.bytea {
			raw, err := pgRows(ctx, conn, `SELECT `+pgx.Identifier{col}.Sanitize()+` FROM `+ident+
				` WHERE `+pgx.Identifier{col}.Sanitize()+` IS NOT NULL`)
			if err != nil {
				return nil, fmt.Errorf("dump PostgreSQL column %s.%s: %w", ident, col, err)
			}
			parts = append(parts, Part{Name: "table " + schema + "." + tbl.name + " column " + col + " (bytes)", Text: raw})
		}
	}
	return parts, nil
}

type pgTable struct {
	name  string
	bytea []string // its bytea columns
}

// pgTables lists the schema's ordinary, partitioned and unlogged tables
// (pg_class relkind r and p; unlogged ones are relkind r too) with their
// bytea columns, from pg_catalog so that tables the role cannot see through
// information_schema's privilege filter are listed as well.
func pgTables(ctx context.Context, conn *pgx.Conn, schema string) ([]pgTable, error) {
	rows, err := conn.Query(ctx, `
		SELECT c.relname,
		       coalesce(array_agg(a.attname::text ORDER BY a.attnum)
		                FILTER (WHERE a.atttypid = 'bytea'::regtype), '{}')
		FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		LEFT JOIN pg_catalog.pg_attribute a
		       ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
		GROUP BY c.relname
		ORDER BY c.relname`, schema)
	if err != nil {
		return nil, fmt.Errorf("dump PostgreSQL schema: list tables: %w", err)
	}
	var tables []pgTable
	for rows.Next() {
		var t pgTable
		if err := rows.Scan(&t.name, &t.bytea); err != nil {
			rows.Close()
			return nil, fmt.Errorf("dump PostgreSQL schema: list tables: %w", err)
		}
		tables = append(tables, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dump PostgreSQL schema: list tables: %w", err)
	}
	return tables, nil
}

// pgRows runs a query of one text or bytea column and returns its values,
// one per line.
func pgRows(ctx context.Context, conn *pgx.Conn, query string) ([]byte, error) {
	rows, err := conn.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []byte
	for rows.Next() {
		var v []byte
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(append(out, v...), '\n')
	}
	return out, rows.Err()
}
