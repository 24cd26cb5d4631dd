// Package migratetest checks a store's migrations bookkeeping on its real
// database: one set of scenarios that the SQLite and PostgreSQL stores'
// tests both run, each on fresh databases of its own.
package migratetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tixallo/tixallo/internal/store/migrate"
)

// DB is one fresh database of a store, reached the ways the scenarios need.
type DB struct {
	// Migrations are the store's embedded files.
	Migrations fs.FS
	// Open opens a store on the database with migrations on, as a starting
	// process does, and closes it again.
	Open func(ctx context.Context) error
	// Exec runs a statement on the database as its owner, outside a store.
	Exec func(ctx context.Context, query string) error
	// Records reads schema_migrations, a NULL checksum as "".
	Records func(ctx context.Context) ([]Record, error)
}

// Record is a row of schema_migrations.
type Record struct {
	Version   int
	Name      string
	AppliedAt int64
	Checksum  string
}

// RecordsQuery reads schema_migrations in the order and shape of Record.
const RecordsQuery = `SELECT version, name, applied_at, COALESCE(checksum, '') FROM schema_migrations ORDER BY version`

// Run runs every scenario, each on a database from newDB.
func Run(t *testing.T, newDB func(t *testing.T) DB) {
	t.Run("Fresh", func(t *testing.T) { fresh(t, newDB(t)) })
	t.Run("Upgrade", func(t *testing.T) { upgrade(t, newDB(t)) })
	t.Run("Changed", func(t *testing.T) { changed(t, newDB(t)) })
	t.Run("NewerVersion", func(t *testing.T) { newerVersion(t, newDB(t)) })
	t.Run("Concurrent", func(t *testing.T) { concurrent(t, newDB(t)) })
}

// dropChecksums turns schema_migrations back into its shape from before
// checksums, as a database an older binary migrated has it.
const dropChecksums = `ALTER TABLE schema_migrations DROP COLUMN checksum`

// fresh: a new database records every file's SHA-256, and opening it again
// changes no record.
func fresh(t *testing.T, db DB) {
	ctx := t.Context()
	open(t, db)
	first := records(t, db)
	want := fileSums(t, db.Migrations)
	if got := checksums(first); !maps.Equal(got, want) {
		t.Errorf("recorded checksums %v, want the files' %v", got, want)
	}
	if err := db.Open(ctx); err != nil {
		t.Fatalf("second open: %v", err)
	}
	if again := records(t, db); !slices.Equal(again, first) {
		t.Errorf("second open changed schema_migrations from %v to %v", first, again)
	}
}

// upgrade: a table without the column gets it at the first open, with the
// checksums of the files this binary carries, and later opens pass.
func upgrade(t *testing.T, db DB) {
	ctx := t.Context()
	open(t, db)
	before := records(t, db)
	exec(t, db, dropChecksums)
	open(t, db)
	after := records(t, db)
	if got, want := checksums(after), fileSums(t, db.Migrations); !maps.Equal(got, want) {
		t.Errorf("checksums after the upgrade %v, want the files' %v", got, want)
	}
	if !slices.Equal(after, before) {
		t.Errorf("the upgrade left schema_migrations as %v, was %v before the column was dropped", after, before)
	}
	if err := db.Open(ctx); err != nil {
		t.Errorf("open after the upgrade: %v", err)
	}
}

// changed: an applied file that differs from its record (here the record is
// changed, which is the same comparison) refuses the start with an error
// naming the file and the way out, and writes nothing.
func changed(t *testing.T, db DB) {
	ctx := t.Context()
	open(t, db)
	recs := records(t, db)
	first := recs[0]
	exec(t, db, fmt.Sprintf(`UPDATE schema_migrations SET checksum = '%s' WHERE version = %d`, strings.Repeat("0", 64), first.Version))
	err := db.Open(ctx)
	var ce *migrate.ChecksumError
	if !errors.As(err, &ce) {
		t.Fatalf("open with a changed migration: %v, want a migrate.ChecksumError", err)
	}
	file := fmt.Sprintf("%04d_%s.sql", first.Version, first.Name)
	for _, part := range []string{file, "restore the file", "recreate the database"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not say %q", err, part)
		}
	}
	if again := records(t, db); again[0].Checksum != strings.Repeat("0", 64) || len(again) != len(recs) {
		t.Errorf("the refused open changed schema_migrations to %v", again)
	}
	exec(t, db, fmt.Sprintf(`UPDATE schema_migrations SET checksum = '%s' WHERE version = %d`, first.Checksum, first.Version))
	if err := db.Open(ctx); err != nil {
		t.Errorf("open with the record restored: %v", err)
	}
}

// newerVersion: a version only a newer binary knows (the binary was rolled
// back) neither stops the start nor is touched, with or without a checksum.
func newerVersion(t *testing.T, db DB) {
	ctx := t.Context()
	open(t, db)
	exec(t, db, `INSERT INTO schema_migrations (version, name, applied_at, checksum) VALUES (99998, 'newer', 1, 'abc')`)
	exec(t, db, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (99999, 'newer_still', 2)`)
	if err := db.Open(ctx); err != nil {
		t.Fatalf("open with versions a newer binary applied: %v", err)
	}
	recs := records(t, db)
	got := recs[len(recs)-2:]
	want := []Record{{99998, "newer", 1, "abc"}, {99999, "newer_still", 2, ""}}
	if !slices.Equal(got, want) {
		t.Errorf("the newer versions' records are %v, want them untouched: %v", got, want)
	}
}

// concurrent: several processes starting at once on a new database, then
// on one from before checksums, all start and record every checksum once.
func concurrent(t *testing.T, db DB) {
	ctx := t.Context()
	want := fileSums(t, db.Migrations)
	for i, round := range []string{"new database", "table from before checksums"} {
		if i > 0 {
			exec(t, db, dropChecksums)
		}
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				if err := db.Open(ctx); err != nil {
					t.Errorf("%s: open %d: %v", round, i, err)
				}
			})
		}
		wg.Wait()
		if got := checksums(records(t, db)); !maps.Equal(got, want) {
			t.Errorf("%s: checksums %v, want %v", round, got, want)
		}
	}
}

func open(t *testing.T, db DB) {
	t.Helper()
	if err := db.Open(t.Context()); err != nil {
		t.Fatalf("open: %v", err)
	}
}

func exec(t *testing.T, db DB, query string) {
	t.Helper()
	if err := db.Exec(t.Context(), query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func records(t *testing.T, db DB) []Record {
	t.Helper()
	recs, err := db.Records(t.Context())
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	if len(recs) == 0 {
		t.Fatal("schema_migrations is empty")
	}
	return recs
}

func checksums(recs []Record) map[int]string {
	out := make(map[int]string, len(recs))
	for _, r := range recs {
		out[r.Version] = r.Checksum
	}
	return out
}

// fileSums hashes the files itself rather than trusting migrate.Load.
func fileSums(t *testing.T, fsys fs.FS) map[int]string {
	t.Helper()
	ms, err := migrate.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[int]string, len(ms))
	for _, m := range ms {
		body, err := fs.ReadFile(fsys, m.File())
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(body)
		out[m.Version] = hex.EncodeToString(h[:])
	}
	return out
}
