package storecopy

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// sqliteTable is a table of the SQLite file as its schema declares it.
type sqliteTable struct {
	name    string
	columns []sqliteColumn
}

type sqliteColumn struct {
	name    string
	typ     string // the declared type, upper case: INTEGER, TEXT, BLOB (the tables are STRICT)
	notNull bool
	// rowid is set for the INTEGER PRIMARY KEY that aliases the rowid,
	// whose AUTOINCREMENT high-water mark sqlite_sequence keeps.
	rowid bool
}

// readSQLite reads every table of the file and its columns.
func readSQLite(ctx context.Context, tx *sql.Tx) (map[string]*sqliteTable, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("read tables: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read tables: %w", err)
		}
		names = append(names, n)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("read tables: %w", err)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read tables: %w", err)
	}

	tables := map[string]*sqliteTable{}
	for _, n := range names {
		t := &sqliteTable{name: n}
		if err := readSQLiteColumns(ctx, tx, t); err != nil {
			return nil, err
		}
		tables[n] = t
	}
	return tables, nil
}

func readSQLiteColumns(ctx context.Context, tx *sql.Tx, t *sqliteTable) error {
	rows, err := tx.QueryContext(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid`, t.name)
	if err != nil {
		return fmt.Errorf("read columns of %s: %w", t.name, err)
	}
	defer rows.Close()
	var pks int
	for rows.Next() {
		var (
			c  sqliteColumn
			pk int
		)
		if err := rows.Scan(&c.name, &c.typ, &c.notNull, &pk); err != nil {
			return fmt.Errorf("read columns of %s: %w", t.name, err)
		}
		c.typ = strings.ToUpper(c.typ)
		c.rowid = pk == 1 && c.typ == "INTEGER"
		if pk > 0 {
			pks++
			// A primary key is NOT NULL whether or not it says so (STRICT
			// tables enforce it), and the rowid alias can never be NULL.
			c.notNull = true
		}
		t.columns = append(t.columns, c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read columns of %s: %w", t.name, err)
	}
	if pks > 1 { // a composite key aliases no rowid
		for i := range t.columns {
			t.columns[i].rowid = false
		}
	}
	return nil
}

// autoincrements reads sqlite_sequence: the highest rowid each
// AUTOINCREMENT table ever handed out. A file with no such table has none.
func autoincrements(ctx context.Context, tx *sql.Tx, tables map[string]*sqliteTable) (map[string]int64, error) {
	out := map[string]int64{}
	if tables[autoincrementTable] == nil {
		return out, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT name, seq FROM `+autoincrementTable)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", autoincrementTable, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			name string
			seq  int64
		)
		if err := rows.Scan(&name, &seq); err != nil {
			return nil, fmt.Errorf("read %s: %w", autoincrementTable, err)
		}
		out[name] = seq
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", autoincrementTable, err)
	}
	return out, nil
}
