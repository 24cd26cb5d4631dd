package migrate_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/tixallo/tixallo/internal/store/migrate"
)

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// checksums reads schema_migrations' checksums by version; NULL reads "".
func checksums(t *testing.T, db *sql.DB) map[int]string {
	t.Helper()
	rows, err := db.Query(`SELECT version, COALESCE(checksum, '') FROM schema_migrations`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int]string{}
	for rows.Next() {
		var v int
		var c string
		if err := rows.Scan(&v, &c); err != nil {
			t.Fatal(err)
		}
		out[v] = c
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRunRecordsChecksums(t *testing.T) {
	ctx := t.Context()
	db, mdb := openDB(t, filepath.Join(t.TempDir(), "m.db"))
	a, b := "CREATE TABLE a (x INTEGER);", "CREATE TABLE b (x INTEGER);"
	fsys := fstest.MapFS{"0001_a.sql": file(a), "0002_b.sql": file(b)}
	if _, err := migrate.Run(ctx, mdb, fsys); err != nil {
		t.Fatal(err)
	}
	want := map[int]string{1: sum(a), 2: sum(b)}
	got := checksums(t, db)
	if len(got) != 2 || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("checksums %v, want %v", got, want)
	}
}

func TestRunRefusesChangedMigration(t *testing.T) {
	ctx := t.Context()
	db, mdb := openDB(t, filepath.Join(t.TempDir(), "m.db"))
	fsys := fstest.MapFS{"0001_first.sql": file("CREATE TABLE a (x INTEGER);")}
	if _, err := migrate.Run(ctx, mdb, fsys); err != nil {
		t.Fatal(err)
	}

	fsys["0001_first.sql"] = file("CREATE TABLE a (x INTEGER, y TEXT);")
	fsys["0002_second.sql"] = file("CREATE TABLE b (x INTEGER);")
	applied, err := migrate.Run(ctx, mdb, fsys)
	var ce *migrate.ChecksumError
	if !errors.As(err, &ce) {
		t.Fatalf("Run after the applied file changed: %v, want a ChecksumError", err)
	}
	for _, part := range []string{"0001_first.sql", "restore the file", "recreate the database"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not say %q", err, part)
		}
	}
	if len(applied) != 0 || len(checksums(t, db)) != 1 {
		t.Errorf("Run applied %v after refusing, want nothing", applied)
	}

	// Another file taking an applied version is the same mistake, named so.
	delete(fsys, "0001_first.sql")
	fsys["0001_other.sql"] = file("SELECT 1;")
	_, err = migrate.Run(ctx, mdb, fsys)
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "applied as 0001_first.sql") {
		t.Errorf("Run with another 0001: %v, want a ChecksumError naming 0001_first.sql", err)
	}
}

// oldTable is schema_migrations as binaries before checksums created it.
const oldTable = `CREATE TABLE schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  BIGINT NOT NULL
)`

// TestRunUpgradesTable: a database migrated before checksums gets the
// column, its known rows the checksum of today's file, and a version only a
// newer binary knows is left as it is; the run after that checks them.
func TestRunUpgradesTable(t *testing.T) {
	ctx := t.Context()
	db, mdb := openDB(t, filepath.Join(t.TempDir(), "m.db"))
	for _, q := range []string{oldTable,
		`CREATE TABLE a (x INTEGER)`,
		`INSERT INTO schema_migrations VALUES (1, 'a', 1), (9, 'from_a_newer_binary', 2)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	a := "CREATE TABLE a (x INTEGER);"
	fsys := fstest.MapFS{"0001_a.sql": file(a), "0002_b.sql": file("CREATE TABLE b (x INTEGER);")}
	applied, err := migrate.Run(ctx, mdb, fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 1 || applied[0].Version != 2 {
		t.Errorf("applied %v, want only 0002", applied)
	}
	got := checksums(t, db)
	if got[1] != sum(a) || got[2] != sum("CREATE TABLE b (x INTEGER);") || got[9] != "" {
		t.Errorf("checksums %v, want 0001 filled from today's file, 0002 recorded, 0009 left NULL", got)
	}
	if _, err := migrate.Run(ctx, mdb, fsys); err != nil {
		t.Errorf("second run: %v", err)
	}
	fsys["0001_a.sql"] = file("CREATE TABLE a (x INTEGER, y INTEGER);")
	if _, err := migrate.Run(ctx, mdb, fsys); !errors.As(err, new(*migrate.ChecksumError)) {
		t.Errorf("run with 0001 changed after the upgrade: %v, want a ChecksumError", err)
	}
}

// TestRunUpgradesConcurrently: several migrators meeting an old table at
// once add the column once and all start.
func TestRunUpgradesConcurrently(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "m.db")
	db, _ := openDB(t, path)
	for _, q := range []string{oldTable, `INSERT INTO schema_migrations VALUES (1, 'a', 1)`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	fsys := fstest.MapFS{"0001_a.sql": file("SELECT 1;"), "0002_b.sql": file("CREATE TABLE b (x INTEGER);")}
	var wg sync.WaitGroup
	for i := range 6 {
		_, mdb := openDB(t, path)
		wg.Go(func() {
			if _, err := migrate.Run(ctx, mdb, fsys); err != nil {
				t.Errorf("migrator %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if got := checksums(t, db); got[1] != sum("SELECT 1;") || got[2] == "" {
		t.Errorf("checksums %v, want both recorded", got)
	}
}
