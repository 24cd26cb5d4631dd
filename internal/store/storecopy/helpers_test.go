package storecopy

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tixallo/tixallo/internal/fakeclock"
	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/postgres"
	"github.com/tixallo/tixallo/internal/store/sqlite"
	"github.com/tixallo/tixallo/internal/store/teststore"
)

// source is a SQLite installation made through the service, closed and
// ready to copy.
type source struct {
	path    string
	ws      string
	tickets []*helpdesk.Ticket
}

// newSource creates a workspace with a few tickets, each with a message;
// more, when given, runs against the open service before the store closes.
func newSource(t *testing.T, more ...func(svc *helpdesk.Service, clock *fakeclock.Clock, src *source)) *source {
	t.Helper()
	ctx := t.Context()
	src := &source{path: filepath.Join(t.TempDir(), "tixallo.db")}
	st, err := sqlite.Open(ctx, src.path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	clock := fakeclock.New(time.Now().UTC().Truncate(time.Second))
	svc := helpdesk.NewService(st, helpdesk.Options{Now: clock.Now})
	cw, err := svc.CreateWorkspace(ctx, helpdesk.NewWorkspace{Name: "Acme"}, "owner@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	src.ws = cw.Workspace.ID
	for _, subject := range []string{"One", "Two", "Three"} {
		tk, err := svc.CreateTicket(ctx, src.ws, helpdesk.NewTicket{
			Subject: subject, Description: "d", CustomerEmail: "c@example.com", Source: helpdesk.SourceAPI,
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddMessage(ctx, src.ws, tk.ID, helpdesk.NewMessage{Body: "more", Source: helpdesk.SourceAPI}); err != nil {
			t.Fatal(err)
		}
		src.tickets = append(src.tickets, tk)
	}
	for _, f := range more {
		f(svc, clock, src)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return src
}

// sqliteExec runs statements on the closed file directly, as a test that
// crafts what the service never writes.
func sqliteExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// newTarget is an empty PostgreSQL schema for the test, not migrated.
func newTarget(t *testing.T) string {
	t.Helper()
	return teststore.NewPostgresSchema(t) // skips without TIXALLO_TEST_POSTGRES
}

// migratedTarget is newTarget migrated, as a server's first start leaves it.
func migratedTarget(t *testing.T) string {
	t.Helper()
	url := newTarget(t)
	s, err := postgres.Open(t.Context(), url, postgres.Options{Migrate: true, MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	return url
}

// pgConn connects as the URL's role, the tables' owner, which sees every
// workspace's rows.
func pgConn(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// rowCounts is the rows of every table the copy fills, as PostgreSQL holds
// them now.
func rowCounts(t *testing.T, url string) map[string]int64 {
	t.Helper()
	c := pgConn(t, url)
	s, err := readPostgres(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, tb := range s.copied() {
		var n int64
		if err := c.QueryRow(t.Context(), `SELECT count(*) FROM `+qualified(s, tb.name)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tb.name] = n
	}
	return out
}
