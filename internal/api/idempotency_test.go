package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

const (
	inProgressBody = `{"error":"Request with this idempotency key is in progress"}`
	reusedBody     = `{"error":"Idempotency key reused with a different request"}`
)

// TestIdempotentConcurrentCreates fires 50 identical POSTs with one key at
// once: exactly one ticket exists afterwards, and every answer is either the
// one 201 (first or replayed) or the in-progress 409.
func TestIdempotentConcurrentCreates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	const body = `{"subject":"Once","description":"Only once","customer_email":"once@example.com"}`
	before := e.counts(tn.ws.ID)

	const n = 50
	responses := make([]*httptest.ResponseRecorder, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			responses[i] = e.do("POST", "/api/v1/tickets", tn.key, body, "Idempotency-Key", "create-once")
		})
	}
	close(start)
	wg.Wait()

	var created, replayed, inProgress int
	var first *httptest.ResponseRecorder
	for _, w := range responses {
		switch w.Code {
		case http.StatusCreated:
			if first == nil {
				first = w
			} else if w.Body.String() != first.Body.String() || w.Header().Get("Location") != first.Header().Get("Location") {
				t.Fatalf("two different 201s:\n%s\n%s", first.Body, w.Body)
			}
			if w.Header().Get("Idempotent-Replayed") == "true" {
				replayed++
			} else {
				created++
			}
		case http.StatusConflict:
			if w.Body.String() != inProgressBody || w.Header().Get("Retry-After") != "1" {
				t.Fatalf("409: %s Retry-After %q", w.Body, w.Header().Get("Retry-After"))
			}
			inProgress++
		default:
			t.Fatalf("unexpected answer %d %s", w.Code, w.Body)
		}
	}
	if created != 1 {
		t.Fatalf("%d first-time 201s (%d replays, %d in progress), want exactly 1", created, replayed, inProgress)
	}
	after := e.counts(tn.ws.ID)
	if after.tickets != before.tickets+1 || after.customers != before.customers+1 {
		t.Fatalf("counts %+v → %+v, want one ticket and one customer more", before, after)
	}
	t.Logf("50 concurrent POSTs: 1 created, %d replayed, %d in progress", replayed, inProgress)
}

func TestIdempotencyReplayAndMismatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	const body = `{"subject":"Replay me","description":"d","customer_email":"r@example.com"}`

	w1 := e.do("POST", "/api/v1/tickets", tn.key, body, "Idempotency-Key", "key-1")
	if w1.Code != http.StatusCreated || w1.Header().Get("Idempotent-Replayed") != "" {
		t.Fatalf("first: %d %s replayed=%q", w1.Code, w1.Body, w1.Header().Get("Idempotent-Replayed"))
	}
	before := e.counts(tn.ws.ID)
	e.clock.Advance(time.Hour)
	w2 := e.do("POST", "/api/v1/tickets", tn.key, body, "Idempotency-Key", "key-1")
	if w2.Code != http.StatusCreated || w2.Body.String() != w1.Body.String() {
		t.Fatalf("replay: %d %s, want the first body %s", w2.Code, w2.Body, w1.Body)
	}
	if w2.Header().Get("Idempotent-Replayed") != "true" || w2.Header().Get("Location") != w1.Header().Get("Location") {
		t.Fatalf("replay headers: %v", w2.Header())
	}
	if w2.Header().Get("Content-Type") != "application/json; charset=utf-8" || w2.Header().Get("RateLimit") == "" {
		t.Fatalf("replay lacks the usual headers: %v", w2.Header())
	}

	// Same key, other bytes (even a re-serialisation), other path: 422.
	for _, c := range []struct{ path, body string }{
		{"/api/v1/tickets", `{"subject":"Replay me","description":"other","customer_email":"r@example.com"}`},
		{"/api/v1/tickets", `{"description":"d","subject":"Replay me","customer_email":"r@example.com"}`},
		{"/api/v1/tickets", body + " "},
	} {
		w := e.do("POST", c.path, tn.key, c.body, "Idempotency-Key", "key-1")
		if w.Code != http.StatusUnprocessableEntity || w.Body.String() != reusedBody {
			t.Fatalf("reuse with %s: %d %s", c.body, w.Code, w.Body)
		}
	}
	var created dataObject[ticketObject]
	mustUnmarshal(t, w1.Body.Bytes(), &created)
	w := e.do("POST", "/api/v1/tickets/"+created.Data.ID+"/messages", tn.key, body, "Idempotency-Key", "key-1")
	if w.Code != http.StatusUnprocessableEntity || w.Body.String() != reusedBody {
		t.Fatalf("reuse on another path: %d %s", w.Code, w.Body)
	}
	if after := e.counts(tn.ws.ID); after != before {
		t.Fatalf("replays and mismatches changed counts: %+v → %+v", before, after)
	}

	// After 24 hours the key is forgotten and starts a new request.
	e.clock.Advance(helpdesk.IdempotencyTTL)
	w3 := e.do("POST", "/api/v1/tickets", tn.key, body, "Idempotency-Key", "key-1")
	if w3.Code != http.StatusCreated || w3.Header().Get("Idempotent-Replayed") != "" || w3.Body.String() == w1.Body.String() {
		t.Fatalf("after 24 h: %d replayed=%q", w3.Code, w3.Header().Get("Idempotent-Replayed"))
	}
}

// TestIdempotencyFailedRequestReleasesKey: a 400 (or 404, 409) leaves the
// key free for a corrected retry.
func TestIdempotencyFailedRequestReleasesKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	bad := e.do("POST", "/api/v1/tickets", tn.key, `{"subject":"","description":"d","customer_email":"x@example.com"}`, "Idempotency-Key", "fix-me")
	if bad.Code != http.StatusBadRequest {
		t.Fatalf("bad: %d %s", bad.Code, bad.Body)
	}
	bad = e.do("POST", "/api/v1/tickets", tn.key, `{"subject":`, "Idempotency-Key", "fix-me")
	if bad.Code != http.StatusBadRequest || bad.Body.String() != `{"error":"Invalid JSON"}` {
		t.Fatalf("invalid JSON: %d %s", bad.Code, bad.Body)
	}
	good := e.do("POST", "/api/v1/tickets", tn.key, `{"subject":"s","description":"d","customer_email":"x@example.com"}`, "Idempotency-Key", "fix-me")
	if good.Code != http.StatusCreated {
		t.Fatalf("corrected retry: %d %s", good.Code, good.Body)
	}

	// Messages: 404 releases, the retry on the right ticket runs; a replay has
	// the same message and no Location.
	var tk dataObject[ticketObject]
	mustUnmarshal(t, good.Body.Bytes(), &tk)
	if w := e.do("POST", "/api/v1/tickets/"+missingID+"/messages", tn.key, `{"body":"hi"}`, "Idempotency-Key", "msg"); w.Code != http.StatusNotFound {
		t.Fatalf("message to a missing ticket: %d", w.Code)
	}
	m1 := e.do("POST", "/api/v1/tickets/"+tk.Data.ID+"/messages", tn.key, `{"body":"hi"}`, "Idempotency-Key", "msg")
	m2 := e.do("POST", "/api/v1/tickets/"+tk.Data.ID+"/messages", tn.key, `{"body":"hi"}`, "Idempotency-Key", "msg")
	if m1.Code != 201 || m2.Code != 201 || m1.Body.String() != m2.Body.String() || m2.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatalf("message replay: %d %s / %d %s", m1.Code, m1.Body, m2.Code, m2.Body)
	}
	if m1.Header().Get("Location") != "" || m2.Header().Get("Location") != "" {
		t.Fatalf("a message has no Location, got %q", m1.Header().Get("Location"))
	}
	if c := e.counts(tn.ws.ID); c.messages != 1 {
		t.Fatalf("%d messages, want 1", c.messages)
	}
}

// TestIdempotencyInProgress holds a claim as a running first request would,
// and checks the 409, then that an abandoned claim expires after its lease.
func TestIdempotencyInProgress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	const body = `{"subject":"s","description":"d","customer_email":"x@example.com"}`
	fp := fingerprint("POST", "/api/v1/tickets", []byte(body))
	if _, _, err := e.svc.ClaimIdempotencyKey(context.Background(), tn.ws.ID, "busy", fp); err != nil {
		t.Fatal(err)
	}
	w := e.do("POST", "/api/v1/tickets", tn.key, body, "Idempotency-Key", "busy")
	if w.Code != http.StatusConflict || w.Body.String() != inProgressBody || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("in progress: %d %s %v", w.Code, w.Body, w.Header())
	}
	e.clock.Advance(helpdesk.IdempotencyLease + time.Second)
	if w := e.do("POST", "/api/v1/tickets", tn.key, body, "Idempotency-Key", "busy"); w.Code != http.StatusCreated {
		t.Fatalf("after the lease: %d %s", w.Code, w.Body)
	}
}

func TestIdempotencyKeyHeader(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	const body = `{"subject":"s","description":"d","customer_email":"x@example.com"}`
	const msg = `{"error":"Invalid input","details":{"fieldErrors":{"Idempotency-Key":["Must be 1 to 255 visible ASCII characters"]},"formErrors":[]}}`
	before := e.counts(tn.ws.ID)
	for _, c := range []struct {
		name string
		hdr  []string
		want string
	}{
		{"empty", []string{"Idempotency-Key", ""}, msg},
		{"256 characters", []string{"Idempotency-Key", strings.Repeat("k", 256)}, msg},
		{"inner space", []string{"Idempotency-Key", "a b"}, msg},
		{"control character", []string{"Idempotency-Key", "a\x01b"}, msg},
		{"non-ASCII", []string{"Idempotency-Key", "clé"}, msg},
		{"twice", []string{"Idempotency-Key", "a", "Idempotency-Key", "a"},
			`{"error":"Invalid input","details":{"fieldErrors":{"Idempotency-Key":["Must be sent once"]},"formErrors":[]}}`},
	} {
		w := e.do("POST", "/api/v1/tickets", tn.key, body, c.hdr...)
		if w.Code != http.StatusBadRequest || w.Body.String() != c.want {
			t.Errorf("%s: %d %s", c.name, w.Code, w.Body)
		}
	}
	if after := e.counts(tn.ws.ID); after != before {
		t.Fatalf("rejected keys changed counts: %+v → %+v", before, after)
	}
	for _, k := range []string{strings.Repeat("k", 255), "x", `"quoted-sf-string"`, "~!@#$%^&*()_+"} {
		if w := e.do("POST", "/api/v1/tickets", tn.key, body, "Idempotency-Key", k); w.Code != http.StatusCreated {
			t.Errorf("key %q: %d %s", k, w.Code, w.Body)
		}
	}
}
