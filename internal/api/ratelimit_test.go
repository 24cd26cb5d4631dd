package api

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestRateLimit admits the limit, then answers 429 with the exact
// Retry-After, the configured numbers in the body and consistent headers;
// rejected requests do not extend the window, and keys are independent.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *envConfig) { c.rateLimit, c.rateWindow = 3, 10*time.Second })
	tn := e.newTenant()
	other, _ := e.newKey(tn.ws.ID, "", nil)
	start := e.clock.Now()

	type want struct {
		code      int
		remaining int
		t         int
	}
	steps := []want{{200, 2, 10}, {200, 1, 9}, {200, 0, 8}, {429, 0, 7}, {429, 0, 6}}
	for i, st := range steps {
		w := e.do("GET", "/api/v1/tickets", tn.key, "")
		h := w.Header()
		if w.Code != st.code {
			t.Fatalf("request %d: %d %s, want %d", i+1, w.Code, w.Body, st.code)
		}
		if got := h.Get("RateLimit-Policy"); got != `"per-key";q=3;w=10` {
			t.Errorf("request %d: RateLimit-Policy %q", i+1, got)
		}
		if got, want := h.Get("RateLimit"), `"per-key";r=`+strconv.Itoa(st.remaining)+`;t=`+strconv.Itoa(st.t); got != want {
			t.Errorf("request %d: RateLimit %q, want %q", i+1, got, want)
		}
		if h.Get("X-RateLimit-Limit") != "3" || h.Get("X-RateLimit-Remaining") != strconv.Itoa(st.remaining) {
			t.Errorf("request %d: X-RateLimit-Limit %q Remaining %q", i+1, h.Get("X-RateLimit-Limit"), h.Get("X-RateLimit-Remaining"))
		}
		if got, want := h.Get("X-RateLimit-Reset"), strconv.FormatInt(start.Add(10*time.Second).Unix(), 10); got != want {
			t.Errorf("request %d: X-RateLimit-Reset %s, want %s", i+1, got, want)
		}
		if st.code == 429 {
			if w.Body.String() != `{"error":"Rate limit exceeded","limit":3,"window_seconds":10}` {
				t.Errorf("429 body %s", w.Body)
			}
			if got := h.Get("Retry-After"); got != strconv.Itoa(st.t) {
				t.Errorf("Retry-After %q, want %d", got, st.t)
			}
		}
		e.clock.Advance(time.Second)
	}
	// Another key of the same workspace has its own budget.
	if w := e.do("GET", "/api/v1/tickets", other, ""); w.Code != http.StatusOK {
		t.Fatalf("other key: %d", w.Code)
	}
	// Waiting Retry-After is enough: at start+10 s the first request has left.
	e.clock.Advance(start.Add(10 * time.Second).Sub(e.clock.Now()))
	w := e.do("GET", "/api/v1/tickets", tn.key, "")
	if w.Code != http.StatusOK || w.Header().Get("RateLimit") != `"per-key";r=0;t=1` {
		t.Fatalf("after Retry-After: %d %q", w.Code, w.Header().Get("RateLimit"))
	}
	// Every authenticated answer carries the headers: 404, 400, 405 is not
	// authenticated (it has no route to authenticate on).
	e.clock.Advance(time.Minute)
	for _, path := range []string{"/api/v1/tickets/" + missingID, "/api/v1/tickets?limit=0"} {
		w := e.do("GET", path, tn.key, "")
		if w.Code == 200 || w.Header().Get("RateLimit") == "" || w.Header().Get("X-RateLimit-Reset") == "" {
			t.Errorf("GET %s: %d without rate-limit headers", path, w.Code)
		}
	}
}
