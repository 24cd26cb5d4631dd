package httpserver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tixallo/tixallo/internal/metrics"
)

type routes map[string]http.HandlerFunc

func (rs routes) Register(mux *http.ServeMux) {
	for p, h := range rs {
		mux.HandleFunc(p, h)
	}
}

func newTestServer(t *testing.T, ready error, log io.Writer) http.Handler {
	t.Helper()
	return New(Options{
		Logger:  slog.New(slog.NewTextHandler(log, nil)),
		Metrics: metrics.NewRegistry(),
		Ready:   func(context.Context) error { return ready },
		Mount: []Mounter{routes{
			"GET /api/v1/boom": func(http.ResponseWriter, *http.Request) { panic("boom") },
			"GET /app/boom":    func(http.ResponseWriter, *http.Request) { panic("boom") },
			"GET /app/ok":      func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("hi")) },
		}},
	})
}

func get(h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestOperatorEndpoints(t *testing.T) {
	var log bytes.Buffer
	h := newTestServer(t, nil, &log)
	if w := get(h, "/healthz"); w.Code != 200 || w.Body.String() != "ok\n" {
		t.Fatalf("/healthz = %d %q", w.Code, w.Body)
	}
	if w := get(h, "/readyz"); w.Code != 200 {
		t.Fatalf("/readyz = %d", w.Code)
	}
	get(h, "/app/ok")
	w := get(h, "/metrics")
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics = %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if !strings.Contains(w.Body.String(), `tixallo_http_requests_total{route="GET /app/ok",status="200"} 1`) {
		t.Errorf("metrics miss the request by route:\n%s", w.Body)
	}

	down := newTestServer(t, errors.New("disk gone"), io.Discard)
	if w := get(down, "/readyz"); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz on a dead database = %d", w.Code)
	}
}

func TestRequestID(t *testing.T) {
	h := newTestServer(t, nil, io.Discard)
	if id := get(h, "/app/ok", "X-Request-Id", "proxy-1234-abcd").Header().Get("X-Request-Id"); id != "proxy-1234-abcd" {
		t.Errorf("a well-formed incoming id is kept, got %q", id)
	}
	for _, bad := range []string{"short", "has space in it", "evil\u00e9chars!!", strings.Repeat("a", 200)} {
		id := get(h, "/app/ok", "X-Request-Id", bad).Header().Get("X-Request-Id")
		if id == bad || len(id) != 32 {
			t.Errorf("incoming id %q: got %q, want a fresh 32-hex id", bad, id)
		}
	}
}

func TestPanicsAnswer500(t *testing.T) {
	var log bytes.Buffer
	h := newTestServer(t, nil, &log)
	w := get(h, "/api/v1/boom")
	if w.Code != 500 || w.Body.String() != `{"error":"Internal server error"}` || w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("API panic: %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	w = get(h, "/app/boom")
	if w.Code != 500 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		t.Errorf("app panic: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	if !strings.Contains(log.String(), "panic serving request") || !strings.Contains(log.String(), "request_id=") {
		t.Errorf("panic not logged with its request id:\n%s", log.String())
	}
}

func TestAccessLogOmitsQuery(t *testing.T) {
	var log bytes.Buffer
	h := newTestServer(t, nil, &log)
	get(h, "/app/ok?token=tix_secretvalue")
	if strings.Contains(log.String(), "tix_secretvalue") {
		t.Fatalf("query string reached the access log:\n%s", log.String())
	}
}

func TestClientIP(t *testing.T) {
	cases := []struct {
		remote, xff string
		trust       bool
		want        string
	}{
		{"192.0.2.7:5555", "", false, "192.0.2.7"},
		{"192.0.2.7:5555", "198.51.100.9", false, "192.0.2.7"},
		{"192.0.2.7:5555", "203.0.113.1, 198.51.100.9", true, "198.51.100.9"},
		{"192.0.2.7:5555", "garbage", true, "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "", false, "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.7]:80", "", false, "192.0.2.7"},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := ClientIP(r, c.trust); got != c.want {
			t.Errorf("ClientIP(%s, xff=%q, trust=%v) = %q, want %q", c.remote, c.xff, c.trust, got, c.want)
		}
	}
}
