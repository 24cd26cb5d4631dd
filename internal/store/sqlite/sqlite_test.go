package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/storetest"
)

// openTest opens a fresh, migrated store in the test's temporary directory.
func openTest(t *testing.T, opts Options) *Store {
	t.Helper()
	opts.Migrate = true
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "tixallo.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) helpdesk.Store { return openTest(t, Options{}) })
}

// TestPragmas checks the settings on the writer and on several pooled
// readers at once: pragmas come from the DSN, so every connection has them.
func TestPragmas(t *testing.T) {
	ctx := t.Context()
	s := openTest(t, Options{})
	want := map[string]string{
		"busy_timeout": "10000",
		"journal_mode": "wal",
		"foreign_keys": "1",
		"synchronous":  "2", // FULL
		"temp_store":   "2", // MEMORY
		"cache_size":   "-2000",
	}
	check := func(name string, conn *sql.Conn, queryOnly string) {
		t.Helper()
		want["query_only"] = queryOnly
		for pragma, value := range want {
			var got string
			if err := conn.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
				t.Fatalf("%s: PRAGMA %s: %v", name, pragma, err)
			}
			if got != value {
				t.Errorf("%s: PRAGMA %s = %s, want %s", name, pragma, got, value)
			}
		}
	}

	w, err := s.write.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check("writer", w, "0")
	w.Close()
	var readers []*sql.Conn
	for i := range 3 { // held together, so they are three connections
		r, err := s.read.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		readers = append(readers, r)
		check(fmt.Sprintf("reader %d", i), r, "1")
		if _, err := r.ExecContext(ctx, "DELETE FROM workspaces"); err == nil {
			t.Errorf("reader %d accepted a write", i)
		}
	}
	for _, r := range readers {
		r.Close()
	}
}

// TestMigrateTwice: migrating an up-to-date database changes nothing.
func TestMigrateTwice(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "tixallo.db")
	for range 2 {
		s, err := Open(ctx, path, Options{Migrate: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil {
			t.Fatal(err)
		}
		files, err := fs.Glob(Migrations(), "*.sql")
		if err != nil {
			t.Fatal(err)
		}
		if n != len(files) {
			t.Errorf("schema_migrations has %d rows, want %d", n, len(files))
		}
		s.Close()
	}
}

// TestConcurrentOpen starts several stores on one new file at once, as two
// tixallo processes starting together would: all must open and migrate.
func TestConcurrentOpen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "tixallo.db")
	var wg sync.WaitGroup
	stores := make([]*Store, 6)
	errs := make([]error, len(stores))
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = Open(ctx, path, Options{Migrate: true}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		defer stores[i].Close()
		if err := stores[i].Ping(ctx); err != nil {
			t.Errorf("Ping %d: %v", i, err)
		}
	}
	if t.Failed() {
		return
	}
	var n int
	if err := stores[0].read.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	files, _ := fs.Glob(Migrations(), "*.sql")
	if n != len(files) {
		t.Errorf("schema_migrations has %d rows, want %d", n, len(files))
	}
}

// TestTwoProcesses runs creating transactions from two stores on one file,
// as two tixallo processes would: each transaction reads before it writes,
// which fails with SQLITE_BUSY under a deferred BEGIN once the other process
// commits in between. BEGIN IMMEDIATE makes them wait their turn instead.
func TestTwoProcesses(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "tixallo.db")
	var stores []*Store
	for range 2 {
		s, err := Open(ctx, path, Options{Migrate: true})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	ws := &helpdesk.Workspace{ID: "w", Name: "W", Slug: "w", CreatedAt: time.Now()}
	if err := stores[0].InTx(ctx, func(tx helpdesk.Tx) error { return tx.CreateWorkspace(ctx, ws) }); err != nil {
		t.Fatal(err)
	}

	const perStore = 15
	var wg sync.WaitGroup
	for _, s := range stores {
		for range perStore {
			wg.Go(func() {
				err := s.InTx(ctx, func(tx helpdesk.Tx) error {
					if _, err := tx.Workspace(ctx, "w"); err != nil {
						return err
					}
					_, err := tx.NextTicketNumber(ctx, "w")
					return err
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	var seq int
	if err := stores[1].read.QueryRowContext(ctx, "SELECT ticket_seq FROM workspaces WHERE id = 'w'").Scan(&seq); err != nil {
		t.Fatal(err)
	}
	if seq != 2*perStore {
		t.Errorf("ticket_seq = %d after %d transactions", seq, 2*perStore)
	}
}

// TestOnQuery checks the statement counter the API tests rely on.
func TestOnQuery(t *testing.T) {
	ctx := t.Context()
	var n atomic.Int64
	s := openTest(t, Options{OnQuery: func() { n.Add(1) }})
	if got := n.Load(); got != 0 {
		t.Errorf("opening and migrating counted %d statements, want 0", got)
	}

	ws := &helpdesk.Workspace{ID: "w1", Name: "W", Slug: "w", CreatedAt: time.Now()}
	err := s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.CreateWorkspace(ctx, ws) })
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Swap(0); got != 3 {
		t.Errorf("a one-statement transaction counted %d, want 3 (BEGIN, INSERT, COMMIT)", got)
	}
	if _, err := s.Workspace(ctx, "w1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.APIKeys(ctx, "w1"); err != nil {
		t.Fatal(err)
	}
	if got := n.Swap(0); got != 2 {
		t.Errorf("two reads counted %d, want 2", got)
	}
	_ = s.InTx(ctx, func(tx helpdesk.Tx) error { return errors.New("abort") })
	if got := n.Swap(0); got != 2 {
		t.Errorf("an empty rolled-back transaction counted %d, want 2 (BEGIN, ROLLBACK)", got)
	}
}

// TestOpenRejectsMemory: an in-memory database would give every pooled
// connection its own empty database.
func TestOpenRejectsMemory(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file.db?mode=memory"} {
		if s, err := Open(t.Context(), path, Options{}); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", path)
		}
	}
}
