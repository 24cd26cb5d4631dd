package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TestCrossWorkspace calls every route with workspace A's key and workspace
// B's ids in every position a request can carry one: the path, the query (a
// cursor minted for B) and the body. Each answer must equal the answer for
// an id that does not exist, and no answer may contain anything of B's.
func TestCrossWorkspace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.newTenant(), e.newTenant()
	ctx := context.Background()

	// B: tickets (enough for a second page), a message, a merged ticket, events.
	var bTickets []ticketObject
	for i := range 3 {
		bTickets = append(bTickets, e.createTicket(b, "B secret subject "+string(rune('a'+i)), "b-customer@example.com"))
	}
	bt := bTickets[0]
	if w := e.do("POST", "/api/v1/tickets/"+bt.ID+"/messages", b.key, `{"body":"B secret message"}`); w.Code != 201 {
		t.Fatalf("B message: %d", w.Code)
	}
	if _, err := e.svc.MergeTicket(ctx, b.ws.ID, bTickets[2].ID, bTickets[1].ID, helpdesk.Actor{}); err != nil {
		t.Fatal(err)
	}
	bPage := e.do("GET", "/api/v1/tickets?limit=1", b.key, "")
	var page struct {
		NextCursor *string `json:"next_cursor"`
	}
	mustUnmarshal(t, bPage.Body.Bytes(), &page)
	if page.NextCursor == nil {
		t.Fatal("B has no second page")
	}
	bTicketCursor := *page.NextCursor
	bEvents := e.do("GET", "/api/v1/events?limit=1", b.key, "")
	var evPage eventPage
	mustUnmarshal(t, bEvents.Body.Bytes(), &evPage)
	bEventCursor := evPage.NextCursor
	bCustomer := bt.CustomerID

	// A has a ticket of its own, so "empty" answers are not trivially empty.
	at := e.createTicket(a, "A subject", "a-customer@example.com")
	bSecrets := []string{b.ws.ID, bt.ID, bTickets[1].ID, bTickets[2].ID, bCustomer, "B secret subject", "B secret message", "b-customer@example.com"}
	aBefore, bBefore := e.counts(a.ws.ID), e.counts(b.ws.ID)

	// Same request with B's id and with a nonexistent one: same status and body.
	same := []struct{ name, method, bPath, missingPath, body string }{
		{"get ticket", "GET", "/api/v1/tickets/" + bt.ID, "/api/v1/tickets/" + missingID, ""},
		{"get merged ticket", "GET", "/api/v1/tickets/" + bTickets[2].ID, "/api/v1/tickets/" + missingID, ""},
		{"post message", "POST", "/api/v1/tickets/" + bt.ID + "/messages", "/api/v1/tickets/" + missingID + "/messages", `{"body":"from A"}`},
		{"post message, invalid body", "POST", "/api/v1/tickets/" + bt.ID + "/messages", "/api/v1/tickets/" + missingID + "/messages", `{"body":`},
		{"post message to merged", "POST", "/api/v1/tickets/" + bTickets[2].ID + "/messages", "/api/v1/tickets/" + missingID + "/messages", `{"body":"x"}`},
		{"ticket cursor", "GET", "/api/v1/tickets?cursor=" + url.QueryEscape(bTicketCursor), "/api/v1/tickets?cursor=" + url.QueryEscape(flip(bTicketCursor, 5)), ""},
		{"events cursor", "GET", "/api/v1/events?after=" + url.QueryEscape(bEventCursor), "/api/v1/events?after=" + url.QueryEscape(flip(bEventCursor, 5)), ""},
	}
	for _, c := range same {
		wb := e.do(c.method, c.bPath, a.key, c.body)
		wm := e.do(c.method, c.missingPath, a.key, c.body)
		if wb.Code != wm.Code || wb.Body.String() != wm.Body.String() {
			t.Errorf("%s: B's id answered %d %s, a missing one %d %s", c.name, wb.Code, wb.Body, wm.Code, wm.Body)
		}
		if wb.Code < 400 {
			t.Errorf("%s: B's id answered %d", c.name, wb.Code)
		}
		if !equalHeaderNames(wb.Header(), wm.Header()) {
			t.Errorf("%s: header names differ: %v vs %v", c.name, wb.Header(), wm.Header())
		}
		noSecrets(t, c.name, wb.Body.String(), bSecrets)
	}

	// Idempotency keys are per workspace: B's key value means nothing in A.
	bCreate := `{"subject":"B secret idem","description":"d","customer_email":"b-customer@example.com"}`
	if w := e.do("POST", "/api/v1/tickets", b.key, bCreate, "Idempotency-Key", "shared-key"); w.Code != 201 {
		t.Fatalf("B idempotent create: %d", w.Code)
	}
	bBefore = e.counts(b.ws.ID)
	w := e.do("POST", "/api/v1/tickets", a.key, bCreate, "Idempotency-Key", "shared-key")
	if w.Code != 201 || w.Header().Get("Idempotent-Replayed") != "" {
		t.Fatalf("A with B's idempotency key: %d replayed=%q", w.Code, w.Header().Get("Idempotent-Replayed"))
	}
	var created dataObject[ticketObject]
	mustUnmarshal(t, w.Body.Bytes(), &created)
	if created.Data.CustomerID == bCustomer {
		t.Fatal("A's ticket was filed under B's customer")
	}

	// Body positions: B's ids in fields A's create would read if it trusted them.
	body, _ := json.Marshal(map[string]string{
		"subject": "from A", "description": "d", "customer_email": "b-customer@example.com",
		"customer_id": bCustomer, "inbox_id": bt.InboxID, "workspace_id": b.ws.ID, "ticket_id": bt.ID,
	})
	w = e.do("POST", "/api/v1/tickets", a.key, string(body))
	if w.Code != 201 {
		t.Fatalf("A create with B's ids in the body: %d %s", w.Code, w.Body)
	}
	mustUnmarshal(t, w.Body.Bytes(), &created)
	if created.Data.CustomerID == bCustomer || created.Data.InboxID == bt.InboxID {
		t.Fatalf("A's ticket took B's ids: %+v", created.Data)
	}
	noSecrets(t, "create with B's ids", w.Body.String(), []string{b.ws.ID, bCustomer, bt.InboxID, bt.ID})
	if w := e.do("GET", "/api/v1/tickets/"+created.Data.ID, a.key, ""); w.Code != 200 {
		t.Fatalf("get A's ticket: %d", w.Code)
	} else {
		noSecrets(t, "get A's new ticket", w.Body.String(), []string{b.ws.ID, bCustomer, bt.ID})
	}

	// A's lists never show B's rows.
	// (A has by now filed tickets under its own customer with B's customer's
	// address, so only B's ids and texts count as B's.)
	for _, path := range []string{"/api/v1/tickets?limit=50", "/api/v1/tickets?status=new,open,pending,closed", "/api/v1/events?limit=100"} {
		w := e.do("GET", path, a.key, "")
		if w.Code != 200 {
			t.Fatalf("%s: %d", path, w.Code)
		}
		noSecrets(t, path, w.Body.String(), bSecrets[:len(bSecrets)-1])
		if !strings.Contains(w.Body.String(), at.ID) {
			t.Errorf("%s: A's own ticket is missing", path)
		}
	}

	if got := e.counts(b.ws.ID); got != bBefore {
		t.Fatalf("B's counts changed: %+v → %+v", bBefore, got)
	}
	if got := e.counts(a.ws.ID); got.tickets != aBefore.tickets+2 {
		t.Fatalf("A's counts: %+v → %+v", aBefore, got)
	}
}

func noSecrets(t *testing.T, name, body string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(body, s) {
			t.Errorf("%s: response contains %q: %s", name, s, body)
		}
	}
}

// equalHeaderNames compares which headers are present, not their values
// (request ids and rate-limit counters differ between any two requests).
func equalHeaderNames(a, b http.Header) bool {
	a, b = headerSet(a), headerSet(b)
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return true
}
