package teststore

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestDump plants a marker through the service and checks that Dump finds
// it, in the workspaces table on PostgreSQL; there it also checks that a
// table the store does not know and a bytea column are covered.
func TestDump(t *testing.T) {
	ctx := context.Background()
	db := Open(t, Options{})
	svc := helpdesk.NewService(db.Store, helpdesk.Options{})
	const marker = "dump-marker-5b1f0c"
	if _, err := svc.CreateWorkspace(ctx, helpdesk.NewWorkspace{Name: marker}, "owner@example.com"); err != nil {
		t.Fatal(err)
	}
	const rawMarker = "raw-bytes-marker-93ae"
	if db.Kind == Postgres {
		conn, err := pgx.Connect(ctx, db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `CREATE TABLE zz_extra (b bytea); INSERT INTO zz_extra VALUES ('`+rawMarker+`'::bytea)`); err != nil {
			t.Fatal(err)
		}
	}

	parts, err := db.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}
	find := func(s string) []string {
		var names []string
		for _, p := range parts {
			if bytes.Contains(p.Text, []byte(s)) {
				names = append(names, p.Name)
			}
		}
		return names
	}
	got := find(marker)
	if len(got) == 0 {
		t.Fatalf("the marker is in none of the %d parts", len(parts))
	}
	if db.Kind == Postgres {
		if !strings.HasSuffix(got[0], ".workspaces") {
			t.Errorf("marker found in %v, want the workspaces table", got)
		}
		if raw := find(rawMarker); len(raw) != 1 || !strings.HasSuffix(raw[0], "zz_extra column b (bytes)") {
			t.Errorf("bytea marker found in %v, want zz_extra's column b as bytes", raw)
		}
	}
}

// TestDumpPostgresRefusesPublic: a URL without a test schema must not pass
// as an empty dump.
func TestDumpPostgresRefusesPublic(t *testing.T) {
	if Current() != Postgres {
		t.Skip("PostgreSQL run only")
	}
	if _, err := DumpPostgres(context.Background(), PostgresURL()); err == nil {
		t.Fatal("DumpPostgres of the base URL (schema public) succeeded")
	}
}
