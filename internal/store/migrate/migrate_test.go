package migrate_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/tixallo/tixallo/internal/store/migrate"

	_ "modernc.org/sqlite"
)

// openDB opens a SQLite database whose transactions take the write lock at
// BEGIN, as the SQLite store's writer does.
func openDB(t *testing.T, path string) (*sql.DB, migrate.DB) {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, migrate.SQL(func(ctx context.Context) (*sql.Tx, error) { return db.BeginTx(ctx, nil) })
}

func file(sql string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(sql)} }

func TestLoad(t *testing.T) {
	ms, err := migrate.Load(fstest.MapFS{
		"0002_second.sql": file("SELECT 2"),
		"0010_tenth.sql":  file("SELECT 10"),
		"0001_first.sql":  file("SELECT 1"),
		"README.md":       file("not a migration"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.Name)
	}
	if want := []string{"first", "second", "tenth"}; !slices.Equal(got, want) {
		t.Errorf("Load order = %v, want %v", got, want)
	}

	for name, fsys := range map[string]fstest.MapFS{
		"no version":        {"init.sql": file("")},
		"short version":     {"1_init.sql": file("")},
		"dash":              {"0001-init.sql": file("")},
		"upper case":        {"0001_Init.sql": file("")},
		"version zero":      {"0000_init.sql": file("")},
		"duplicate version": {"0001_a.sql": file(""), "0001_b.sql": file("")},
	} {
		if _, err := migrate.Load(fsys); err == nil {
			t.Errorf("Load accepted %s", name)
		}
	}
}

func TestRun(t *testing.T) {
	ctx := t.Context()
	db, mdb := openDB(t, filepath.Join(t.TempDir(), "m.db"))
	fsys := fstest.MapFS{
		"0001_a.sql": file("CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);"),
		"0002_b.sql": file("CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);"), // fails halfway
	}

	applied, err := migrate.Run(ctx, mdb, fsys)
	if err == nil {
		t.Fatal("a failing migration did not fail Run")
	}
	if len(applied) != 1 || applied[0].Name != "a" {
		t.Errorf("applied %v before the failure, want [a]", applied)
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE name = 'b'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the failed migration left table b behind (count %d, %v)", n, err)
	}
	if got := versions(t, db); !slices.Equal(got, []int{1}) {
		t.Errorf("recorded versions %v, want [1]", got)
	}

	fsys["0002_b.sql"] = file("CREATE TABLE b (x INTEGER); INSERT INTO b VALUES (2);")
	applied, err = migrate.Run(ctx, mdb, fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 1 || applied[0].Version != 2 {
		t.Errorf("second run applied %v, want only 0002", applied)
	}
	applied, err = migrate.Run(ctx, mdb, fsys)
	if err != nil || len(applied) != 0 {
		t.Errorf("third run applied %v (%v), want nothing", applied, err)
	}
	if got := versions(t, db); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("recorded versions %v, want [1 2]", got)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM a`).Scan(&n); err != nil || n != 1 {
		t.Errorf("migration 0001 ran %d times (%v), want once", n, err)
	}
}

// TestRunConcurrently starts several migrators on one database at once, each
// with its own connection pool as separate processes would have: every
// migration must run exactly once.
func TestRunConcurrently(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "m.db")
	fsys := fstest.MapFS{
		"0001_counter.sql": file("CREATE TABLE runs (version INTEGER); INSERT INTO runs VALUES (1);"),
		"0002_more.sql":    file("INSERT INTO runs VALUES (2);"),
		"0003_more.sql":    file("INSERT INTO runs VALUES (3);"),
	}
	var wg sync.WaitGroup
	var total sync.Map
	for i := range 8 {
		_, mdb := openDB(t, path)
		wg.Go(func() {
			applied, err := migrate.Run(ctx, mdb, fsys)
			if err != nil {
				t.Errorf("migrator %d: %v", i, err)
			}
			for _, m := range applied {
				if _, dup := total.LoadOrStore(m.Version, i); dup {
					t.Errorf("migration %d applied twice", m.Version)
				}
			}
		})
	}
	wg.Wait()
	db, _ := openDB(t, path)
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM runs`).Scan(&n); err != nil || n != 3 {
		t.Errorf("runs has %d rows (%v), want 3", n, err)
	}
}

func versions(t *testing.T, db *sql.DB) []int {
	t.Helper()
	rows, err := db.Query(`SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}
