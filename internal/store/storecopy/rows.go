package storecopy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// rowSource streams one SQLite table into pgx's CopyFrom a row at a time:
// the driver reads a row, the converters make it PostgreSQL's, and CopyFrom
// encodes it into its buffer before asking for the next, so memory stays
// bounded whatever the table holds.
type rowSource struct {
	cols []columnPlan
	rows *sql.Rows
	raw  []any // one per selected expression: the columns, then a BLOB's IS NULL
	dest []any // pointers into raw, for Scan
	out  []any
	n    int64
	err  error
}

var _ pgx.CopyFromSource = (*rowSource)(nil)

// selectSQL selects the plan's columns in its order, then, for each BLOB
// column, whether it is NULL.
func selectSQL(p tablePlan) string {
	var exprs, flags []string
	for _, c := range p.columns {
		exprs = append(exprs, quoteSQLite(c.name))
		if c.blob {
			flags = append(flags, quoteSQLite(c.name)+" IS NULL")
		}
	}
	return "SELECT " + strings.Join(append(exprs, flags...), ", ") + " FROM " + quoteSQLite(p.name)
}

// quoteSQLite quotes an identifier; the names come from the catalogs.
func quoteSQLite(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func newRowSource(ctx context.Context, tx *sql.Tx, p tablePlan) (*rowSource, error) {
	rows, err := tx.QueryContext(ctx, selectSQL(p))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p.name, err)
	}
	s := &rowSource{cols: p.columns, rows: rows, out: make([]any, len(p.columns))}
	n := len(p.columns)
	for _, c := range p.columns {
		if c.blob {
			n++
		}
	}
	s.raw = make([]any, n)
	s.dest = make([]any, n)
	for i := range s.raw {
		s.dest[i] = &s.raw[i]
	}
	return s, nil
}

func (s *rowSource) Next() bool {
	if s.err != nil || !s.rows.Next() {
		return false
	}
	if err := s.rows.Scan(s.dest...); err != nil {
		s.err = fmt.Errorf("read row %d: %w", s.n+1, err)
		return false
	}
	s.n++
	flag := len(s.cols)
	for i, c := range s.cols {
		v := s.raw[i]
		if c.blob {
			// The driver's nil may be a nil []byte in the interface.
			if null, _ := s.raw[flag].(int64); null == 1 {
				v = nil
			} else if b, _ := v.([]byte); b == nil {
				v = []byte{} // an empty BLOB, not NULL
			}
			flag++
		}
		out, err := c.convert(v)
		if err != nil {
			// The row's number, not its values: they may be secret.
			s.err = fmt.Errorf("row %d, column %s: %w", s.n, c.name, err)
			return false
		}
		s.out[i] = out
	}
	return true
}

func (s *rowSource) Values() ([]any, error) { return s.out, s.err }

func (s *rowSource) Err() error { return errors.Join(s.err, s.rows.Err()) }

func (s *rowSource) Close() error { return s.rows.Close() }

// columnNames are the plan's columns, for CopyFrom.
func columnNames(p tablePlan) []string {
	names := make([]string, len(p.columns))
	for i, c := range p.columns {
		names[i] = c.name
	}
	return names
}
