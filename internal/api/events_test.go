package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

var (
	headerKeys  = []string{"event_type", "event_id", "created_at", "workspace_id"}
	ticketEvent = append(slices.Clone(headerKeys), "ticket_id", "ticket_number", "subject", "status", "priority",
		"source", "inbox_id", "assignee_id", "customer_id", "customer_email")
	updatedEvent  = append(slices.Clone(ticketEvent), "changes")
	messageEvent  = append(slices.Clone(headerKeys), "ticket_id", "ticket_number", "message_id", "author_type", "author_name", "body")
	customerEvent = append(slices.Clone(headerKeys), "customer_id", "email", "name")
)

// feed reads the whole events feed of a tenant after a cursor.
func (e *env) feed(tn tenant, after string) (events []json.RawMessage, next string) {
	e.t.Helper()
	path := "/api/v1/events?limit=100"
	if after != "" {
		path += "&after=" + url.QueryEscape(after)
	}
	w := e.do("GET", path, tn.key, "")
	if w.Code != 200 {
		e.t.Fatalf("feed: %d %s", w.Code, w.Body)
	}
	var page eventPage
	mustUnmarshal(e.t, w.Body.Bytes(), &page)
	return page.Data, page.NextCursor
}

type eventSummary struct {
	typ  string
	keys []string
	raw  json.RawMessage
}

func summarize(t testing.TB, events []json.RawMessage) []eventSummary {
	var out []eventSummary
	for _, raw := range events {
		var h struct {
			EventType string `json:"event_type"`
		}
		mustUnmarshal(t, raw, &h)
		out = append(out, eventSummary{h.EventType, objectKeys(t, raw), raw})
	}
	return out
}

// TestEventsOfEveryChange checks that each change of SPEC §4 the API can make
// writes its events, with the documented members, and that internal notes
// write none.
func TestEventsOfEveryChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	ctx := context.Background()
	_, cur := e.feed(tn, "")

	check := func(step string, want ...[]string) {
		t.Helper()
		var evs []json.RawMessage
		evs, cur = e.feed(tn, cur)
		got := summarize(t, evs)
		if len(got) != len(want) {
			t.Fatalf("%s: %d events, want %d: %s", step, len(got), len(want), evs)
		}
		for i, w := range want {
			if got[i].typ != w[0] || !slices.Equal(got[i].keys, w[1:]) {
				t.Fatalf("%s: event %d is %s with %v, want %s with %v", step, i, got[i].typ, got[i].keys, w[0], w[1:])
			}
		}
	}
	ev := func(typ string, keys []string) []string { return append([]string{typ}, keys...) }

	tk := e.createTicket(tn, "Subject", "new@example.com")
	check("new customer", ev("customer.created", customerEvent), ev("ticket.created", ticketEvent))
	e.createTicket(tn, "Subject 2", "NEW@example.com")
	check("known customer", ev("ticket.created", ticketEvent))

	if w := e.do("POST", "/api/v1/tickets/"+tk.ID+"/messages", tn.key, `{"body":"more info"}`); w.Code != 201 {
		t.Fatalf("%d", w.Code)
	}
	check("customer message on a new ticket", ev("ticket.message.created", messageEvent))

	if _, err := e.svc.AddMessage(ctx, tn.ws.ID, tk.ID, helpdesk.NewMessage{Body: "note", AuthorType: helpdesk.AuthorAgent, Internal: true}); err != nil {
		t.Fatal(err)
	}
	check("internal note")

	if w := e.do("POST", "/api/v1/tickets/"+tk.ID+"/messages", tn.key, `{"body":"on it","author_type":"agent","author_name":"Sam"}`); w.Code != 201 {
		t.Fatalf("%d", w.Code)
	}
	check("agent reply on a new ticket", ev("ticket.message.created", messageEvent), ev("ticket.updated", updatedEvent))

	closed := helpdesk.StatusClosed
	if _, err := e.svc.UpdateTicket(ctx, tn.ws.ID, tk.ID, helpdesk.TicketChanges{Status: &closed}); err != nil {
		t.Fatal(err)
	}
	check("close", ev("ticket.updated", updatedEvent), ev("ticket.closed", ticketEvent))

	if w := e.do("POST", "/api/v1/tickets/"+tk.ID+"/messages", tn.key, `{"body":"still broken"}`); w.Code != 201 {
		t.Fatalf("%d", w.Code)
	}
	evs, _ := e.feed(tn, "")
	last := summarize(t, evs)[len(evs)-1]
	check("customer message on a closed ticket", ev("ticket.message.created", messageEvent), ev("ticket.updated", updatedEvent))
	var upd struct {
		Status  string                     `json:"status"`
		Changes map[string]helpdesk.Change `json:"changes"`
	}
	mustUnmarshal(t, last.raw, &upd)
	if upd.Status != "open" || len(upd.Changes) != 1 || upd.Changes["status"] != (helpdesk.Change{From: "closed", To: "open"}) {
		t.Fatalf("reopening ticket.updated: %s", last.raw)
	}
}

// TestEventCommitsWithItsChange proves the outbox is written in the change's
// transaction: inside the commit hook the event is already visible, and when
// the transaction fails after it, neither the ticket, the customer nor any
// event remains.
func TestEventCommitsWithItsChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	before := e.counts(tn.ws.ID)
	boom := errors.New("fail after the change")
	var seen []string
	ctx := helpdesk.WithCommitHook(context.Background(), func(ctx context.Context, tx helpdesk.Tx, result any) error {
		evs, err := tx.Events(ctx, tn.ws.ID, 0, 100)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			seen = append(seen, ev.Type)
		}
		return boom
	})
	_, err := e.svc.CreateTicket(ctx, tn.ws.ID, helpdesk.NewTicket{Subject: "s", Description: "d", CustomerEmail: "x@example.com", Source: helpdesk.SourceAPI})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if !slices.Equal(seen, []string{"customer.created", "ticket.created"}) {
		t.Fatalf("events inside the transaction: %v", seen)
	}
	if after := e.counts(tn.ws.ID); after != before {
		t.Fatalf("a failed transaction left rows: %+v → %+v", before, after)
	}
}

func TestEventsFeed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	ctx := context.Background()

	// Nothing yet: an empty page whose cursor can be polled.
	evs, start := e.feed(tn, "")
	if len(evs) != 0 {
		t.Fatalf("fresh workspace has %d events", len(evs))
	}
	if again, next := e.feed(tn, start); len(again) != 0 || next != start {
		t.Fatalf("polling an empty feed moved the cursor")
	}
	for i := range 7 {
		e.createTicket(tn, "t", "c"+string(rune('a'+i))+"@example.com")
	}
	// 14 events, read 5 at a time, in order, nothing twice, exactly the stored bytes.
	stored, err := e.store.Events(ctx, tn.ws.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []json.RawMessage
	cur := start
	for range 10 {
		w := e.do("GET", "/api/v1/events?limit=5&after="+url.QueryEscape(cur), tn.key, "")
		var page eventPage
		mustUnmarshal(t, w.Body.Bytes(), &page)
		if len(page.Data) > 5 {
			t.Fatalf("page of %d", len(page.Data))
		}
		got = append(got, page.Data...)
		if len(page.Data) == 0 {
			if page.NextCursor != cur {
				t.Fatal("an empty page moved the cursor")
			}
			break
		}
		cur = page.NextCursor
	}
	if len(got) != len(stored) || len(stored) != 14 {
		t.Fatalf("read %d events, stored %d", len(got), len(stored))
	}
	for i := range stored {
		if !bytes.Equal(got[i], stored[i].Payload) {
			t.Fatalf("event %d:\n%s\nstored\n%s", i, got[i], stored[i].Payload)
		}
	}
	// The default page is 50, the largest 100.
	for i := range 30 {
		e.createTicket(tn, "t", "d"+string(rune('a'+i))+"@example.com")
	}
	w := e.do("GET", "/api/v1/events", tn.key, "")
	var page eventPage
	mustUnmarshal(t, w.Body.Bytes(), &page)
	if len(page.Data) != 50 {
		t.Fatalf("default page has %d events", len(page.Data))
	}
	for _, q := range []string{"limit=0", "limit=101", "limit=-1", "limit=x", "after=", "after=abc", "after=" + url.QueryEscape(flip(cur, 10))} {
		w := e.do("GET", "/api/v1/events?"+q, tn.key, "")
		var body struct {
			Details struct {
				FieldErrors map[string][]string `json:"fieldErrors"`
			} `json:"details"`
		}
		mustUnmarshal(t, w.Body.Bytes(), &body)
		if w.Code != 400 || len(body.Details.FieldErrors) != 1 {
			t.Errorf("%s: %d %s", q, w.Code, w.Body)
		}
	}
	// A ticket cursor is not an events cursor.
	w = e.do("GET", "/api/v1/tickets?limit=1", tn.key, "")
	var tp ticketPage
	mustUnmarshal(t, w.Body.Bytes(), &tp)
	if w := e.do("GET", "/api/v1/events?after="+url.QueryEscape(*tp.NextCursor), tn.key, ""); w.Code != 400 {
		t.Errorf("ticket cursor as events cursor: %d", w.Code)
	}
}
