package api

import (
	"net/http"
	"testing"
)

// TestMessageStatements: a customer message without an author_name shows
// the customer's name, which the store reads in the statement that reads
// the ticket, so it costs no more statements than one that names its
// author. On PostgreSQL every statement of a write is a round trip that the
// other writers of its group-commit batch wait for.
func TestMessageStatements(t *testing.T) {
	e := newEnv(t)
	tn := e.newTenant()
	tk := e.createTicket(tn, "Printer on fire", "ada@example.com")
	path := "/api/v1/tickets/" + tk.ID + "/messages"
	cost := func(body string) int64 {
		t.Helper()
		before := e.queries.Load()
		if rec := e.do("POST", path, tn.key, body); rec.Code != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", body, rec.Code, rec.Body)
		}
		return e.queries.Load() - before
	}
	named := cost(`{"body":"Still burning","author_name":"Ada"}`)
	unnamed := cost(`{"body":"Still burning"}`)
	t.Logf("%s: %d statements with author_name, %d without", e.db.Kind, named, unnamed)
	if unnamed > named {
		t.Fatalf("a message without author_name cost %d statements, one with it %d", unnamed, named)
	}
}
