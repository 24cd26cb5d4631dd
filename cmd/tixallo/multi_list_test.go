package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TestMultiInstanceListCache: every instance keeps its own cache of list
// pages, and none of them serves a page a client can know is stale. Each
// round writes through one instance (an API create), or behind every
// instance's back (a status change by the in-process service, as the app
// makes it), and then lists through all three at once: each must show the
// write. The instances' metrics must show that pages did come from their
// caches in between, or the test would prove nothing.
func TestMultiInstanceListCache(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3)
	key, _ := c.newKey(t, "poller")
	client := &http.Client{Timeout: 10 * time.Second}

	type page struct {
		Data []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"data"`
	}
	list := func(p *process, query string) page {
		t.Helper()
		req, _ := http.NewRequest("GET", p.base+"/api/v1/tickets"+query, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var pg page
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&pg) != nil {
			t.Fatalf("list %s: %s", query, resp.Status)
		}
		return pg
	}
	// Warm every instance's cache for both pages the rounds check.
	pollAll := func() {
		for range 3 {
			for _, p := range c.procs {
				list(p, "")
				list(p, "?status=pending&limit=5")
			}
		}
	}

	for round := range 12 {
		pollAll()
		via := c.procs[round%len(c.procs)]
		if round%2 == 0 {
			id, ok := createTicket(client, via.base, key, fmt.Sprintf("round %d", round))
			if !ok {
				t.Fatalf("round %d: create through an instance failed", round)
			}
			for i, p := range c.procs {
				if got := list(p, ""); len(got.Data) == 0 || got.Data[0].ID != id {
					t.Fatalf("round %d: instance %d lists %+v first, not the ticket just created through another", round, i, got.Data)
				}
			}
			continue
		}
		// A change no instance made: the newest ticket becomes pending.
		newest := list(c.procs[0], "").Data[0].ID
		pending := helpdesk.StatusPending
		if _, err := c.svc.UpdateTicket(t.Context(), c.ws.ID, newest, helpdesk.TicketChanges{Status: &pending}); err != nil {
			t.Fatal(err)
		}
		for i, p := range c.procs {
			if got := list(p, ""); got.Data[0].Status != "pending" {
				t.Fatalf("round %d: instance %d lists ticket %s as %s after it became pending", round, i, newest, got.Data[0].Status)
			}
			if got := list(p, "?status=pending&limit=5"); len(got.Data) == 0 || got.Data[0].ID != newest {
				t.Fatalf("round %d: instance %d's pending page does not start with ticket %s", round, i, newest)
			}
		}
	}

	for i, p := range c.procs {
		if n := cachedPages(t, client, p.base); n == 0 {
			t.Errorf("instance %d served no page from its cache", i)
		}
	}
}

var cachePagesMetric = regexp.MustCompile(`(?m)^tixallo_api_list_pages_total\{from="cache"\} (\d+)$`)

// cachedPages reads how many list pages an instance served from its cache.
func cachedPages(t *testing.T, client *http.Client, base string) int {
	t.Helper()
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := cachePagesMetric.FindSubmatch(b)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}
