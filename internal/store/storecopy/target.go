package storecopy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ErrNotEmpty means the PostgreSQL database already holds rows: the copy
// fills only an empty one, so that nothing of another installation is
// merged with or overwritten by this one.
var ErrNotEmpty = errors.New("the PostgreSQL database is not empty")

// checkTarget refuses a schema whose copied tables the connected role is
// subject to row-level security on (it would see and write only what the
// policies let it, and COPY FROM is refused outright), or any of which holds
// a row. The policies are left as they are: they protect the application
// role, which the copy does not use.
func checkTarget(ctx context.Context, q querier, s *pgSchema) error {
	tables := s.copied()
	slices.SortFunc(tables, func(a, b *pgTable) int { return strings.Compare(a.name, b.name) })
	for _, t := range tables {
		if t.rowSecurity {
			return fmt.Errorf("row-level security applies to this role on table %s.%s: connect as the role that owns the tables "+
				"(the URL tixallo serve uses), and leave their policies un-FORCEd", s.name, t.name)
		}
	}
	for _, t := range tables {
		var any bool
		if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+qualified(s, t.name)+`)`).Scan(&any); err != nil {
			return fmt.Errorf("look into %s: %w", t.name, err)
		}
		if any {
			return fmt.Errorf("%w: table %s.%s holds rows; copy into a new, empty database", ErrNotEmpty, s.name, t.name)
		}
	}
	return nil
}

// lockTables keeps every other session from writing to the copied tables
// until the copy commits (readers may go on): a server started on the
// database too early waits instead of writing beside the copy.
func lockTables(ctx context.Context, tx pgx.Tx, s *pgSchema, plans []tablePlan) error {
	names := make([]string, len(plans))
	for i, p := range plans {
		names[i] = qualified(s, p.name)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE `+strings.Join(names, ", ")+` IN EXCLUSIVE MODE`); err != nil {
		return fmt.Errorf("lock tables: %w", err)
	}
	return nil
}

// qualified is a table of the schema as SQL names it.
func qualified(s *pgSchema, table string) string { return pgx.Identifier{s.name, table}.Sanitize() }
