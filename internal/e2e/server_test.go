package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/app"
	"github.com/tixallo/tixallo/internal/config"
)

// clock is the server's time source. Tests that seed history move it back
// and forth; the others leave it on the wall clock.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Set makes Now return about t from now on, still ticking.
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = time.Until(t)
}

// Reset returns the clock to the wall clock.
func (c *clock) Reset() { c.Set(time.Now()) }

// server is one whole Tixallo (API and app) on a 127.0.0.1 port, with its own
// SQLite database, built by app.New and run by App.Serve as in production.
type server struct {
	t     *testing.T
	app   *app.App
	clock *clock
	url   string // http://127.0.0.1:port
}

func startServer(t *testing.T, opts ...func(*config.Config)) *server {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Database = filepath.Join(dir, "tixallo.db")
	cfg.Addr = "127.0.0.1:0"
	for _, o := range opts {
		o(&cfg) // e.g. webhooks to loopback receivers
	}
	// The flows make a handful of API calls; the default per-key limit is
	// kept so the server is the one operators run.
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	clk := &clock{}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, log, app.Options{Now: clk.Now})
	if err != nil {
		cancel()
		t.Fatalf("app.New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatalf("listen: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("server did not stop within 20 s")
		}
	})
	s := &server{t: t, app: a, clock: clk, url: "http://" + ln.Addr().String()}
	s.waitReady()
	return s
}

func (s *server) waitReady() {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("%s/readyz never answered 200", s.url)
}

// apiResponse is one answer of the public API.
type apiResponse struct {
	status int
	body   []byte
}

func (r apiResponse) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

var apiClient = &http.Client{Timeout: 10 * time.Second}

// api calls the public API with key, as an integration would.
func (s *server) api(t *testing.T, method, path, key string, body any) apiResponse {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := apiClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return apiResponse{status: resp.StatusCode, body: b}
}

// testWriter sends the server's warnings and errors to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
