package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/tixallo/tixallo/internal/store/migrate/migratetest"
	"github.com/tixallo/tixallo/internal/store/sqlite"
)

// TestMigrations runs the migrations bookkeeping scenarios on real files.
func TestMigrations(t *testing.T) {
	migratetest.Run(t, func(t *testing.T) migratetest.DB {
		path := filepath.Join(t.TempDir(), "tixallo.db")
		raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		return migratetest.DB{
			Migrations: sqlite.Migrations(),
			Open: func(ctx context.Context) error {
				s, err := sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
				if err != nil {
					return err
				}
				return s.Close()
			},
			Exec: func(ctx context.Context, query string) error {
				_, err := raw.ExecContext(ctx, query)
				return err
			},
			Records: func(ctx context.Context) ([]migratetest.Record, error) {
				rows, err := raw.QueryContext(ctx, migratetest.RecordsQuery)
				if err != nil {
					return nil, err
				}
				defer rows.Close()
				var out []migratetest.Record
				for rows.Next() {
					var r migratetest.Record
					if err := rows.Scan(&r.Version, &r.Name, &r.AppliedAt, &r.Checksum); err != nil {
						return nil, err
					}
					out = append(out, r)
				}
				return out, rows.Err()
			},
		}
	})
}
