package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/tixallo/tixallo/internal/helpdesk"
)

// A delivery carries the Standard Webhooks headers, and the reference
// library verifies it with the endpoint's secret; webhook-id is the event id.
func TestDeliverySignedAndVerified(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t)
	ep := e.endpoint(r)
	e.ticket("Printer on fire", "ada@example.com")
	e.drain()

	got := r.requests()
	if len(got) != 2 {
		t.Fatalf("receiver got %d requests, want 2 (customer.created, ticket.created)", len(got))
	}
	wh, err := standardwebhooks.NewWebhook(e.secret(ep))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range got {
		// The fake clock started at the real time, so the library's
		// 5-minute tolerance applies as in production.
		if err := wh.Verify(g.body, g.header); err != nil {
			t.Errorf("Verify %s: %v", g.body, err)
		}
		p := payload(t, g.body)
		if id := g.header.Get("webhook-id"); id == "" || id != p["event_id"] {
			t.Errorf("webhook-id %q, event_id %v", id, p["event_id"])
		}
		if ua := g.header.Get("User-Agent"); ua != "Tixallo-Webhooks/1" {
			t.Errorf("User-Agent %q", ua)
		}
		if ct := g.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		if n := strings.Count(g.header.Get("webhook-signature"), "v1,"); n != 1 {
			t.Errorf("%d signatures outside a rotation", n)
		}
	}
	for _, d := range e.deliveries(ep) {
		if d.State != helpdesk.DeliverySucceeded || d.Attempts != 1 || d.LastStatus != 200 {
			t.Errorf("delivery %+v", d)
		}
	}
}

// During a rotation both secrets sign, and a receiver holding either one
// verifies with the reference library; 24 hours later only the new one signs.
func TestRotationSignsWithBoth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t)
	ep := e.endpoint(r, helpdesk.EventCustomerCreated)
	oldSecret := e.secret(ep)
	newSecret, err := e.svc.RotateWebhookSecret(e.ctx, e.ws, ep.ID, admin)
	if err != nil {
		t.Fatal(err)
	}
	if newSecret == oldSecret || newSecret != e.secret(ep) {
		t.Fatal("rotation did not make the new secret current")
	}
	e.ticket("One", "one@example.com")
	e.drain()
	got := r.requests()
	if len(got) != 1 {
		t.Fatalf("%d requests", len(got))
	}
	if n := strings.Count(got[0].header.Get("webhook-signature"), "v1,"); n != 2 {
		t.Fatalf("%d signatures during a rotation, want 2: %q", n, got[0].header.Get("webhook-signature"))
	}
	for _, s := range []string{oldSecret, newSecret} {
		wh, _ := standardwebhooks.NewWebhook(s)
		if err := wh.Verify(got[0].body, got[0].header); err != nil {
			t.Errorf("a receiver with one of the secrets rejects: %v", err)
		}
	}

	e.clock.Advance(helpdesk.WebhookRotationOverlap + time.Minute)
	e.ticket("Two", "two@example.com")
	e.drain()
	got = r.requests()
	last := got[len(got)-1]
	if n := strings.Count(last.header.Get("webhook-signature"), "v1,"); n != 1 {
		t.Fatalf("%d signatures after the overlap, want 1", n)
	}
	oldWH, _ := standardwebhooks.NewWebhook(oldSecret)
	if oldWH.VerifyIgnoringTimestamp(last.body, last.header) == nil {
		t.Error("the old secret still verifies after 24 hours")
	}
	newWH, _ := standardwebhooks.NewWebhook(newSecret)
	if err := newWH.VerifyIgnoringTimestamp(last.body, last.header); err != nil {
		t.Errorf("the new secret does not verify: %v", err)
	}
}

// Every event type's payload has exactly the fields SPEC §4 lists, in
// order, and an internal note fires nothing.
func TestPayloadFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t)
	e.endpoint(r)

	tk := e.ticket("Payload", "pat@example.com")
	high := helpdesk.PriorityHigh
	if _, err := e.svc.UpdateTicket(e.ctx, e.ws, tk.ID, helpdesk.TicketChanges{Priority: &high}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddMessage(e.ctx, e.ws, tk.ID, helpdesk.NewMessage{
		Body: "secret internal note", AuthorType: helpdesk.AuthorAgent, Internal: true,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddMessage(e.ctx, e.ws, tk.ID, helpdesk.NewMessage{Body: "Any news?"}); err != nil {
		t.Fatal(err)
	}
	closed := helpdesk.StatusClosed
	if _, err := e.svc.UpdateTicket(e.ctx, e.ws, tk.ID, helpdesk.TicketChanges{Status: &closed}); err != nil {
		t.Fatal(err)
	}
	e.drain()

	header := []string{"event_type", "event_id", "created_at", "workspace_id"}
	ticket := append(slices.Clone(header), "ticket_id", "ticket_number", "subject", "status", "priority",
		"source", "inbox_id", "assignee_id", "customer_id", "customer_email")
	want := map[string][]string{
		helpdesk.EventCustomerCreated: append(slices.Clone(header), "customer_id", "email", "name"),
		helpdesk.EventTicketCreated:   ticket,
		helpdesk.EventTicketUpdated:   append(slices.Clone(ticket), "changes"),
		helpdesk.EventTicketClosed:    ticket,
		helpdesk.EventTicketMessageCreated: append(slices.Clone(header), "ticket_id", "ticket_number", "message_id",
			"author_type", "author_name", "body"),
	}
	seen := map[string]int{}
	for _, g := range r.requests() {
		if strings.Contains(string(g.body), "internal note") {
			t.Errorf("an internal note reached a webhook: %s", g.body)
		}
		p := payload(t, g.body)
		typ, _ := p["event_type"].(string)
		seen[typ]++
		keys := orderedKeys(t, g.body)
		if !slices.Equal(keys, want[typ]) {
			t.Errorf("%s fields\n got %v\nwant %v", typ, keys, want[typ])
		}
		if p["workspace_id"] != e.ws {
			t.Errorf("%s workspace_id %v", typ, p["workspace_id"])
		}
		if _, err := time.Parse(time.RFC3339, p["created_at"].(string)); err != nil {
			t.Errorf("%s created_at: %v", typ, err)
		}
	}
	// ticket.updated: the priority change, the reply reopening nothing (a
	// new ticket opened by an agent? no: a customer message on a new ticket
	// leaves it new) and the close.
	wantSeen := map[string]int{
		helpdesk.EventCustomerCreated: 1, helpdesk.EventTicketCreated: 1, helpdesk.EventTicketUpdated: 2,
		helpdesk.EventTicketClosed: 1, helpdesk.EventTicketMessageCreated: 1,
	}
	for typ, n := range wantSeen {
		if seen[typ] != n {
			t.Errorf("%s delivered %d times, want %d (all: %v)", typ, seen[typ], n, seen)
		}
	}
}

// orderedKeys returns the top-level keys of a JSON object in order.
func orderedKeys(t *testing.T, body []byte) []string {
	t.Helper()
	var keys []string
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", body)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip any
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// Failures are retried on the schedule (exactly, with the jitter pinned to
// the middle), each retry with the same webhook-id, and after the eighth
// attempt the delivery is failed.
func TestRetryScheduleSameID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t)
	r.status.Store(http.StatusInternalServerError)
	ep := e.endpoint(r, helpdesk.EventCustomerCreated)
	e.ticket("Retry", "retry@example.com")
	e.drain()
	if n := len(r.requests()); n != 1 {
		t.Fatalf("%d attempts at once, want 1", n)
	}
	for i, delay := range Schedule {
		e.clock.Advance(delay - time.Second)
		e.drain()
		if n := len(r.requests()); n != i+1 {
			t.Fatalf("retry %d came %v early", i+1, time.Second)
		}
		e.clock.Advance(time.Second)
		e.drain()
		if n := len(r.requests()); n != i+2 {
			t.Fatalf("after %v: %d attempts, want %d", delay, n, i+2)
		}
	}
	e.clock.Advance(48 * time.Hour)
	e.drain()
	ids := r.ids()
	if len(ids) != MaxAttempts {
		t.Fatalf("%d attempts, want %d", len(ids), MaxAttempts)
	}
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("webhook-id changed between retries: %v", ids)
		}
	}
	ds := e.deliveries(ep)
	if len(ds) != 1 || ds[0].State != helpdesk.DeliveryFailed || ds[0].Attempts != MaxAttempts || ds[0].LastStatus != 500 {
		t.Fatalf("delivery after the schedule: %+v", ds)
	}
	attempts, err := e.svc.WebhookAttempts(e.ctx, e.ws, ep.ID, helpdesk.WebhookPage{})
	if err != nil {
		t.Fatal(err)
	}
	if len(attempts) != MaxAttempts || attempts[0].Attempt != MaxAttempts || attempts[len(attempts)-1].Attempt != 1 {
		t.Fatalf("attempt log (newest first): %d lines, first #%d", len(attempts), attempts[0].Attempt)
	}
	for _, a := range attempts {
		if a.StatusCode != 500 || a.EventType != helpdesk.EventCustomerCreated || a.Response != `{"ok":true}` || a.Latency <= 0 {
			t.Errorf("attempt %+v", a)
		}
	}
	if e.reload(ep).Active != true {
		t.Error("a day of failures disabled the endpoint")
	}
}

// The real jitter stays within 10% of the schedule.
func TestRetryJitterBounds(t *testing.T) {
	t.Parallel()
	for range 1000 {
		for i, base := range Schedule {
			d, ok := NextDelay(i+1, nil)
			if !ok || d < base*9/10 || d > base*11/10 {
				t.Fatalf("delay %d = %v for %v", i+1, d, base)
			}
		}
	}
}

// 410 Gone disables the endpoint at once, with the reason shown, and fails
// the delivery without retries; later events are not sent to it.
func TestGoneDisables(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t)
	r.status.Store(http.StatusGone)
	ep := e.endpoint(r, helpdesk.EventCustomerCreated)
	e.ticket("Gone", "gone@example.com")
	e.drain()
	got := e.reload(ep)
	if got.Active || !strings.Contains(got.DisabledReason, "410 Gone") || got.DisabledAt == nil {
		t.Fatalf("endpoint after 410: active %v, reason %q", got.Active, got.DisabledReason)
	}
	ds := e.deliveries(ep)
	if len(ds) != 1 || ds[0].State != helpdesk.DeliveryFailed {
		t.Fatalf("delivery after 410: %+v", ds)
	}
	e.clock.Advance(time.Hour)
	e.ticket("Later", "later@example.com")
	e.drain()
	if n := len(r.requests()); n != 1 {
		t.Fatalf("a disabled endpoint got %d requests", n)
	}

	// Enabling clears the reason; the next event goes out.
	r.status.Store(http.StatusOK)
	if _, err := e.svc.SetWebhookEndpointActive(e.ctx, e.ws, ep.ID, admin, true); err != nil {
		t.Fatal(err)
	}
	if got := e.reload(ep); !got.Active || got.DisabledReason != "" {
		t.Fatalf("re-enabled endpoint: %+v", got)
	}
	e.ticket("Back", "back@example.com")
	e.drain()
	if n := len(r.requests()); n != 2 {
		t.Fatalf("re-enabled endpoint got %d requests in all, want 2", n)
	}
}

// An endpoint that fails without a single success for 5 days is disabled
// with the reason; one that succeeds in between is not.
func TestFiveDaysOfFailuresDisable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t)
	r.status.Store(http.StatusServiceUnavailable)
	ep := e.endpoint(r, helpdesk.EventCustomerCreated)
	start := e.clock.Now()
	n := 0
	for e.clock.Now().Sub(start)+6*time.Hour < DisableAfter {
		n++
		e.ticket("Down", fmt.Sprintf("down%d@example.com", n))
		e.drain()
		e.clock.Advance(6 * time.Hour)
		e.drain()
	}
	got := e.reload(ep)
	if !got.Active || got.FailingSince == nil || !got.FailingSince.Equal(start) {
		t.Fatalf("after %v of failures: active %v, failing since %v (start %v)", e.clock.Now().Sub(start), got.Active, got.FailingSince, start)
	}
	e.clock.Advance(7 * time.Hour)
	e.ticket("Still down", "still@example.com")
	e.drain()
	got = e.reload(ep)
	if got.Active || !strings.Contains(got.DisabledReason, "failed") {
		t.Fatalf("after 5 days of failures: active %v, reason %q", got.Active, got.DisabledReason)
	}

	// A success resets the run.
	e2 := newEnv(t)
	r2 := newReceiver(t)
	r2.status.Store(http.StatusServiceUnavailable)
	ep2 := e2.endpoint(r2, helpdesk.EventCustomerCreated)
	e2.ticket("A", "a@example.com")
	e2.drain()
	if e2.reload(ep2).FailingSince == nil {
		t.Fatal("a failure did not start a run")
	}
	r2.status.Store(http.StatusOK)
	e2.clock.Advance(5 * time.Second)
	e2.drain()
	if fs := e2.reload(ep2).FailingSince; fs != nil {
		t.Fatalf("a success left failing since %v", fs)
	}
}

// A receiver that is down while events happen gets every one of them once
// it is back, through the retries.
func TestReceiverBackGetsEverything(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t)
	r.status.Store(http.StatusBadGateway)
	ep := e.endpoint(r)
	for i := range 15 {
		e.ticket("Outage", fmt.Sprintf("outage%d@example.com", i))
		e.clock.Advance(time.Second)
		e.drain()
	}
	var want []string
	events, err := e.svc.Events(e.ctx, e.ws, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		want = append(want, ev.ID)
	}
	if len(want) != 30 {
		t.Fatalf("%d events", len(want))
	}
	e.clock.Advance(10 * time.Minute) // two retries in, still down
	e.drain()
	r.status.Store(http.StatusNoContent)
	e.clock.Advance(30 * time.Minute)
	e.drain()

	delivered := map[string]bool{}
	for _, g := range r.requests() {
		if g.status < 300 {
			delivered[g.header.Get("webhook-id")] = true
		}
	}
	for _, d := range e.deliveries(ep) {
		if d.State != helpdesk.DeliverySucceeded {
			t.Errorf("delivery %s of %s: %s after %d attempts", d.ID, d.EventType, d.State, d.Attempts)
		}
	}
	var got []string
	for id := range delivered {
		got = append(got, id)
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Fatalf("receiver saw %d distinct ids, want the %d events", len(got), len(want))
	}
}
