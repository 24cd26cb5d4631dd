package storecopy

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tixallo/tixallo/internal/store/sqlite"
)

// schemas reads both catalogs as the copy would: a freshly migrated SQLite
// file, after the given statements, and the PostgreSQL schema at url.
func schemas(t *testing.T, url string, sqliteStmts ...string) (map[string]*sqliteTable, *pgSchema) {
	t.Helper()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "tixallo.db")
	st, err := sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	sqliteExec(t, path, sqliteStmts...)
	db, err := openSource(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	src, err := readSQLite(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := readPostgres(ctx, pgConn(t, url))
	if err != nil {
		t.Fatal(err)
	}
	return src, dst
}

// TestCopySchemasMatch fails when the two stores' migrations drift apart:
// every table and column of a migrated SQLite file, bar the ones named in
// excluded.go, must have a PostgreSQL counterpart with a conversion, and
// every PostgreSQL sequence must be one the copy continues.
func TestCopySchemasMatch(t *testing.T) {
	t.Parallel()
	src, dst := schemas(t, migratedTarget(t))
	plans, err := plan(src, dst)
	if err != nil {
		t.Fatal(err)
	}
	planned := map[string]bool{}
	for _, p := range plans {
		for _, c := range p.columns {
			planned[p.name+"."+c.name] = true
		}
	}
	for _, tb := range src {
		if _, skip := notCopiedFromSQLite[tb.name]; skip || sqliteInternal(tb.name) {
			t.Logf("not copied: SQLite table %s", tb.name)
			continue
		}
		for _, c := range tb.columns {
			if !planned[tb.name+"."+c.name] {
				t.Errorf("SQLite column %s.%s is not copied", tb.name, c.name)
			}
		}
	}
	for name, why := range notCopiedToPostgres {
		if dst.tables[name] != nil {
			t.Logf("not copied to: PostgreSQL table %s (%s)", name, why)
		}
	}
	// The one sequence the store relies on, behind events.seq, is continued.
	var seqs []string
	for _, p := range plans {
		for _, s := range p.sequences {
			seqs = append(seqs, p.name+"."+s.column)
			if p.name == "events" && !s.rowid {
				t.Errorf("events.seq is not read as SQLite's AUTOINCREMENT rowid")
			}
		}
	}
	if strings.Join(seqs, ",") != "events.seq" {
		t.Errorf("continued sequences: %v, want events.seq", seqs)
	}
	// Foreign keys decide the order: every referenced table comes first.
	at := map[string]int{}
	for i, p := range plans {
		at[p.name] = i
	}
	for _, p := range plans {
		for _, ref := range dst.tables[p.name].references {
			if at[ref] > at[p.name] {
				t.Errorf("%s is copied before %s, which it references", p.name, ref)
			}
		}
	}
}

// TestCopySchemaDrift proves the match fails loudly, naming the column or
// table, for each way the schemas can drift.
func TestCopySchemaDrift(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		sqlite []string
		pg     []string
		want   string
	}{
		{"column on SQLite only", []string{`ALTER TABLE tickets ADD COLUMN sla_due INTEGER`}, nil,
			"SQLite column tickets.sla_due has no PostgreSQL counterpart"},
		{"column on PostgreSQL only", nil, []string{`ALTER TABLE tickets ADD COLUMN sla_due timestamptz`},
			"PostgreSQL column tickets.sla_due has no SQLite counterpart"},
		{"types without a conversion", []string{`ALTER TABLE tickets ADD COLUMN tags TEXT`}, []string{`ALTER TABLE tickets ADD COLUMN tags text[]`},
			"column tickets.tags: no conversion from SQLite TEXT to PostgreSQL _text"},
		{"NOT NULL on PostgreSQL only", []string{`ALTER TABLE tickets ADD COLUMN due INTEGER`}, []string{`ALTER TABLE tickets ADD COLUMN due timestamptz NOT NULL DEFAULT now()`},
			"column tickets.due is NOT NULL on PostgreSQL only"},
		{"table on SQLite only", []string{`CREATE TABLE tags (id TEXT PRIMARY KEY) STRICT`}, nil,
			"SQLite table tags has no PostgreSQL counterpart"},
		{"table on PostgreSQL only", nil, []string{`CREATE TABLE tags (id text PRIMARY KEY)`},
			"PostgreSQL table tags has no SQLite counterpart"},
		{"sequence of no copied column", nil, []string{`CREATE SEQUENCE invoice_numbers`},
			"sequence " + "%s.invoice_numbers belongs to no copied column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url := migratedTarget(t)
			c := pgConn(t, url)
			for _, s := range tt.pg {
				if _, err := c.Exec(context.Background(), s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
			src, dst := schemas(t, url, tt.sqlite...)
			want := strings.Replace(tt.want, "%s", dst.name, 1)
			_, err := plan(src, dst)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("plan: %v\nwant an error containing %q", err, want)
			}
		})
	}
}
