package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tixallo/tixallo/internal/store/migrate/migratetest"
	"github.com/tixallo/tixallo/internal/store/postgres"
	"github.com/tixallo/tixallo/internal/store/teststore"
)

// TestMigrations runs the migrations bookkeeping scenarios, each in a
// schema of its own; every Open is a store of its own, as an instance is.
func TestMigrations(t *testing.T) {
	migratetest.Run(t, func(t *testing.T) migratetest.DB {
		dsn := teststore.NewPostgresSchema(t)
		owner := ownerConn(t, dsn)
		return migratetest.DB{
			Migrations: postgres.Migrations(),
			Open: func(ctx context.Context) error {
				s, err := postgres.Open(ctx, dsn, postgres.Options{Migrate: true, MaxConns: 2})
				if err != nil {
					return err
				}
				return s.Close()
			},
			Exec: func(ctx context.Context, query string) error {
				_, err := owner.Exec(ctx, query)
				return err
			},
			Records: func(ctx context.Context) ([]migratetest.Record, error) {
				// Not a cached statement: the scenarios drop and re-add a
				// column of the table between reads.
				rows, err := owner.Query(ctx, migratetest.RecordsQuery, pgx.QueryExecModeSimpleProtocol)
				if err != nil {
					return nil, err
				}
				return pgx.CollectRows(rows, func(row pgx.CollectableRow) (migratetest.Record, error) {
					var r migratetest.Record
					err := row.Scan(&r.Version, &r.Name, &r.AppliedAt, &r.Checksum)
					return r, err
				})
			},
		}
	})
}
