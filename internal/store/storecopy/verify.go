package storecopy

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// verifyCounts checks, for every table, that the rows copied are as many as
// the SQLite snapshot holds and as PostgreSQL now holds.
func verifyCounts(ctx context.Context, stx *sql.Tx, tx pgx.Tx, dst *pgSchema, counts []TableCount) error {
	for _, c := range counts {
		var inSQLite, inPostgres int64
		if err := stx.QueryRowContext(ctx, `SELECT count(*) FROM `+quoteSQLite(c.Table)).Scan(&inSQLite); err != nil {
			return fmt.Errorf("count %s in SQLite: %w", c.Table, err)
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+qualified(dst, c.Table)).Scan(&inPostgres); err != nil {
			return fmt.Errorf("count %s in PostgreSQL: %w", c.Table, err)
		}
		if inSQLite != c.Rows || inPostgres != c.Rows {
			return fmt.Errorf("table %s: SQLite holds %d rows, %d were copied, PostgreSQL holds %d", c.Table, inSQLite, c.Rows, inPostgres)
		}
	}
	return nil
}
