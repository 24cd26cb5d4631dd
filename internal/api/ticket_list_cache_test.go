package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/metrics"
)

// TestListCache: a list answered from the cache is byte for byte what a
// fresh read answers, and every committed change to the workspace's tickets
// — through the API, through the service as the app makes them — is in the
// very next list. Another workspace's changes leave the cache alone.
func TestListCache(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	other := e.newTenant()
	for i := range 5 {
		e.createTicket(tn, fmt.Sprintf("Ticket %d", i), "jane@example.com")
	}
	// An API with an empty cache on the same service reads afresh.
	freshAPI := New(Options{Service: e.svc, Metrics: metrics.NewRegistry(),
		CursorKey: []byte("test cursor key, 32 bytes long!!"), Now: e.clock.Now, RateLimit: 100000})
	mux := http.NewServeMux()
	freshAPI.Register(mux)
	fresh := func(path string) []byte {
		freshAPI.pages = newPageCache(maxCachedPageBytes, maxSeenPages)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, request("GET", path, tn.key, ""))
		return w.Body.Bytes()
	}
	hits := func() uint64 { return e.api.metrics.listPages.Value("cache") }
	check := func(what, path string, wantHit bool) []byte {
		t.Helper()
		before := hits()
		w := e.do("GET", path, tn.key, "")
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", what, w.Code, w.Body)
		}
		if got, want := w.Body.Bytes(), fresh(path); !bytes.Equal(got, want) {
			t.Fatalf("%s: the list differs from a fresh read:\n got  %s\n want %s", what, got, want)
		}
		if hit := hits() > before; hit != wantHit {
			t.Errorf("%s: served from the cache %v, want %v", what, hit, wantHit)
		}
		return w.Body.Bytes()
	}

	const page1, page2 = "/api/v1/tickets?limit=2", "/api/v1/tickets?limit=2&status=new,open"
	check("first read", page1, false)
	check("second read (now kept)", page1, false)
	check("third read", page1, true)
	check("another filter", page2, false)
	check("another filter again", page2, false)
	check("another filter a third time", page2, true)

	e.createTicket(other, "Elsewhere", "joe@example.com")
	check("after another workspace's create", page1, true)

	e.createTicket(tn, "Newest", "jane@example.com")
	check("after a create through the API", page1, false)
	check("after a create, again", page1, true)

	newest, _, err := e.svc.TicketPage(context.Background(), tn.ws.ID, helpdesk.TicketFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	closed := helpdesk.StatusClosed
	if _, err := e.svc.UpdateTicket(context.Background(), tn.ws.ID, newest[0].ID, helpdesk.TicketChanges{Status: &closed}); err != nil {
		t.Fatal(err)
	}
	check("after a status change by the service", page1, false)
	check("the filtered page after the status change", page2, false)

	e.clock.Advance(1e9)
	if w := e.do("POST", "/api/v1/tickets/"+newest[0].ID+"/messages", tn.key, `{"body":"More"}`); w.Code != http.StatusCreated {
		t.Fatalf("message: %d %s", w.Code, w.Body)
	}
	check("after a message", page1, false)

	// A cursor page is a page of its own.
	var first ticketPage
	mustUnmarshal(t, check("first page again", page1, true), &first)
	cursorPage := page1 + "&cursor=" + *first.NextCursor
	check("cursor page", cursorPage, false)
	check("cursor page again", cursorPage, false)
	check("cursor page a third time", cursorPage, true)
}

// TestPageCacheBounds: the cache stays within its bytes and within the
// pages it remembers, keeps a page from its second read at one version on,
// never replaces a page with one read at an older version, and serves a
// page only at the version it was read at.
func TestPageCacheBounds(t *testing.T) {
	c := newPageCache(64*100, 50)
	body := bytes.Repeat([]byte("x"), 100)
	for i := range 1000 {
		c.put(pageKey{workspace: "walk", before: int64(i)}, 1, body)
	}
	if len(c.pages) != 0 || len(c.seen) > c.maxSeen {
		t.Errorf("pages read once each: %d kept, %d remembered (at most %d)", len(c.pages), len(c.seen), c.maxSeen)
	}
	for i := range 1000 {
		k := pageKey{workspace: "w", before: int64(i)}
		c.put(k, 1, body)
		c.put(k, 1, body)
		if c.size > c.maxBytes {
			t.Fatalf("after %d pages the cache holds %d bytes, more than %d", i+1, c.size, c.maxBytes)
		}
	}
	sum := 0
	for _, p := range c.pages {
		sum += len(p.body)
	}
	if sum != c.size || len(c.pages) != c.maxBytes/len(body) {
		t.Errorf("size %d, pages hold %d bytes in %d pages; want the cache full", c.size, sum, len(c.pages))
	}

	k := pageKey{workspace: "w", limit: 20}
	c.put(k, 6, []byte("six"))
	if _, ok := c.get(k, 6); ok {
		t.Error("a page read once was kept")
	}
	c.put(k, 7, []byte("seven"))
	c.put(k, 7, []byte("seven"))
	c.put(k, 6, []byte("six"))
	if got, ok := c.get(k, 7); !ok || string(got) != "seven" {
		t.Errorf("get at 7 = %q, %v after an older page was put; want the newer one kept", got, ok)
	}
	if _, ok := c.get(k, 8); ok {
		t.Error("a page read at version 7 was served at version 8")
	}
	buf := []byte("eight")
	c.put(k, 8, buf) // kept at once: an older version of it was
	buf[0] = 'E'
	if got, ok := c.get(k, 8); !ok || string(got) != "eight" {
		t.Errorf("get at 8 = %q, %v; want the page of version 8, copied when put", got, ok)
	}
	if _, ok := c.get(k, 7); ok {
		t.Error("the page of version 7 is still served after version 8's replaced it")
	}
	big := pageKey{workspace: "big"}
	c.put(big, 9, bytes.Repeat([]byte("x"), c.maxBytes))
	c.put(big, 9, bytes.Repeat([]byte("x"), c.maxBytes))
	if _, ok := c.get(big, 9); ok {
		t.Error("a page larger than a 64th of the cache was kept")
	}
}
