package storecopy

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// pgSchema is what PostgreSQL's catalog says about the schema the URL
// works in (its current_schema, which a search_path in the URL may name).
type pgSchema struct {
	name   string
	tables map[string]*pgTable
	// sequences is every sequence in the schema, as pg_get_serial_sequence
	// names them, so that one no column owns cannot go unnoticed.
	sequences []string
}

type pgTable struct {
	name    string
	columns []pgColumn
	// references are the tables its foreign keys point at.
	references []string
	// rowSecurity is row_security_active: whether the policies apply to
	// the connected role on this table (they do not for its owner, unless
	// the table FORCEs them).
	rowSecurity bool
}

type pgColumn struct {
	name      string
	typ       string // pg_type.typname: text, int8, bool, timestamptz, bytea, …
	notNull   bool
	generated bool
	// sequence is the sequence behind an identity or serial column, or "".
	sequence string
}

// querier is what the catalog reads need: a connection or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// readPostgres reads the schema's tables, columns, foreign keys and
// sequences. A schema without tables (a database never migrated) reads as
// empty.
func readPostgres(ctx context.Context, q querier) (*pgSchema, error) {
	s := &pgSchema{tables: map[string]*pgTable{}}
	var name *string
	if err := q.QueryRow(ctx, `SELECT current_schema()`).Scan(&name); err != nil {
		return nil, fmt.Errorf("current schema: %w", err)
	}
	if name == nil {
		return nil, fmt.Errorf("no schema of the search_path exists")
	}
	s.name = *name

	rows, err := q.Query(ctx, `
		SELECT c.relname, row_security_active(c.oid), a.attname, t.typname, a.attnotnull, a.attgenerated <> '',
			COALESCE(pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname), '')
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		JOIN pg_type t ON t.oid = a.atttypid
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
		ORDER BY c.relname, a.attnum`)
	if err != nil {
		return nil, fmt.Errorf("read columns: %w", err)
	}
	var (
		table  string
		rowSec bool
		col    pgColumn
	)
	_, err = pgx.ForEachRow(rows, []any{&table, &rowSec, &col.name, &col.typ, &col.notNull, &col.generated, &col.sequence}, func() error {
		t := s.tables[table]
		if t == nil {
			t = &pgTable{name: table, rowSecurity: rowSec}
			s.tables[table] = t
		}
		t.columns = append(t.columns, col)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read columns: %w", err)
	}

	var ref string
	rows, err = q.Query(ctx, `
		SELECT c.relname, f.relname
		FROM pg_constraint k
		JOIN pg_class c ON c.oid = k.conrelid
		JOIN pg_class f ON f.oid = k.confrelid
		WHERE k.contype = 'f' AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
		ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("read foreign keys: %w", err)
	}
	_, err = pgx.ForEachRow(rows, []any{&table, &ref}, func() error {
		if t := s.tables[table]; t != nil {
			t.references = append(t.references, ref)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read foreign keys: %w", err)
	}

	var seq string
	rows, err = q.Query(ctx, `
		SELECT format('%I.%I', n.nspname, c.relname)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind = 'S'
		ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("read sequences: %w", err)
	}
	_, err = pgx.ForEachRow(rows, []any{&seq}, func() error {
		s.sequences = append(s.sequences, seq)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read sequences: %w", err)
	}
	return s, nil
}

// copied is the schema's tables that the copy fills.
func (s *pgSchema) copied() []*pgTable {
	var out []*pgTable
	for _, t := range s.tables {
		if _, skip := notCopiedToPostgres[t.name]; !skip {
			out = append(out, t)
		}
	}
	return out
}
