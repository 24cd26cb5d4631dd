package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/fakeclock"
	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/httpserver"
	"github.com/tixallo/tixallo/internal/metrics"
	"github.com/tixallo/tixallo/internal/ratelimit"
	"github.com/tixallo/tixallo/internal/store/teststore"
)

// The harness gives every test its own database (a SQLite file under one
// base directory, or a PostgreSQL schema) and sends every log line of every
// test into one buffer. SPEC §2 says a full API key exists nowhere after its
// creation, so the harness looks for one everywhere: when a test ends, in
// everything its database holds (teststore's Dump: the SQLite files with
// their -wal, or the text of every row of every table of the PostgreSQL
// schema, which is dropped right after); and when all tests have run, in
// every file under the base directory and in the whole log.

var (
	baseDir  string
	testLogs lockedBuffer
)

// keyPattern matches a full API key anywhere (SPEC §2's format).
var keyPattern = regexp.MustCompile(`tix_[0-9A-Za-z]{46}`)

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tixallo-api-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "harness:", err)
		os.Exit(1)
	}
	baseDir = dir
	code := teststore.Main(m) // on SQLite, then on PostgreSQL when TIXALLO_TEST_POSTGRES is set
	leaks := scanForKeys(dir, testLogs.Bytes())
	os.RemoveAll(dir)
	if len(leaks) > 0 {
		fmt.Fprintln(os.Stderr, "FAIL: a full API key was found where none may be:")
		for _, l := range leaks {
			fmt.Fprintln(os.Stderr, "  ", l)
		}
		os.Exit(1)
	}
	os.Exit(code)
}

// scanForKeys names every file under dir, and the log, holding a full key.
func scanForKeys(dir string, logs []byte) []string {
	var leaks []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if keyPattern.Match(b) {
			leaks = append(leaks, path)
		}
		return nil
	})
	if err != nil {
		leaks = append(leaks, "scan failed: "+err.Error())
	}
	if keyPattern.Match(logs) {
		leaks = append(leaks, "captured logs")
	}
	return leaks
}

// checkNoKeysStored fails t if a full key is anywhere in its database.
func checkNoKeysStored(t testing.TB, db *teststore.DB) {
	t.Helper()
	parts, err := db.Dump(context.Background())
	if err != nil {
		t.Errorf("key-leak scan of the %s database: %v", db.Kind, err)
		return
	}
	for _, p := range parts {
		if keyPattern.Match(p.Text) {
			t.Errorf("a full API key is stored in the %s database: %s", db.Kind, p.Name)
		}
	}
}

// env is one server: a fresh SQLite file, the domain service, the API and
// the real router, all on one fake clock.
type env struct {
	t       testing.TB
	db      *teststore.DB // a fresh SQLite file, or PostgreSQL schema
	store   helpdesk.Store
	svc     *helpdesk.Service
	api     *API
	handler http.Handler
	clock   *fakeclock.Clock
	queries atomic.Int64
	metrics *metrics.Registry
}

type envConfig struct {
	rateLimit     int
	rateWindow    time.Duration
	authFailLimit int
}

// newEnv starts a server. By default the limits are far out of reach, so
// that only the tests about limits meet them.
func newEnv(t testing.TB, configure ...func(*envConfig)) *env {
	t.Helper()
	cfg := envConfig{rateLimit: 100000, rateWindow: time.Minute, authFailLimit: 100000}
	for _, c := range configure {
		c(&cfg)
	}
	dir, err := os.MkdirTemp(baseDir, "db-")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, clock: fakeclock.New(time.Now().UTC().Truncate(time.Second)), metrics: metrics.NewRegistry()}
	e.db = teststore.Open(t, teststore.Options{Dir: dir, OnQuery: func() { e.queries.Add(1) }})
	// Registered after Open, so it runs before the store closes and the
	// PostgreSQL schema is dropped.
	t.Cleanup(func() { checkNoKeysStored(t, e.db) })
	st := e.db.Store
	logger := slog.New(slog.NewJSONHandler(&testLogs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.store = st
	e.svc = helpdesk.NewService(st, helpdesk.Options{Now: e.clock.Now, Logger: logger})
	e.api = New(Options{
		Service:       e.svc,
		Logger:        logger,
		Metrics:       e.metrics,
		KeyLimiter:    ratelimit.NewMemory(cfg.rateLimit, cfg.rateWindow),
		RateLimit:     cfg.rateLimit,
		RateWindow:    cfg.rateWindow,
		AuthFailLimit: cfg.authFailLimit,
		CursorKey:     []byte("test cursor key, 32 bytes long!!"),
		Now:           e.clock.Now,
	})
	e.handler = httpserver.New(httpserver.Options{
		Logger:  logger,
		Metrics: e.metrics,
		Ready:   st.Ping,
		Mount:   []httpserver.Mounter{e.api},
	})
	return e
}

// tenant is a workspace and one of its keys.
type tenant struct {
	ws  helpdesk.Workspace
	key string // the full key; only ever in memory
	rec helpdesk.APIKey
}

var workspaceSeq atomic.Int64

// newTenant creates a workspace through the service and a read_write key.
func (e *env) newTenant() tenant {
	e.t.Helper()
	n := workspaceSeq.Add(1)
	cw, err := e.svc.CreateWorkspace(context.Background(),
		helpdesk.NewWorkspace{Name: fmt.Sprintf("Workspace %d", n)}, fmt.Sprintf("owner%d@example.com", n))
	if err != nil {
		e.t.Fatal(err)
	}
	tn := tenant{ws: cw.Workspace}
	tn.key, tn.rec = e.newKey(tn.ws.ID, helpdesk.ScopeReadWrite, nil)
	return tn
}

// newKey creates a key for a workspace and returns it with its record.
func (e *env) newKey(workspaceID string, scope helpdesk.Scope, expires *time.Time) (string, helpdesk.APIKey) {
	e.t.Helper()
	ck, err := e.svc.CreateAPIKey(context.Background(), workspaceID, helpdesk.Actor{Name: "test"},
		helpdesk.NewAPIKey{Name: "test key", Scope: scope, ExpiresAt: expires})
	if err != nil {
		e.t.Fatal(err)
	}
	return ck.Secret, ck.Key
}

// request builds a request; key "" sends no Authorization header, and a
// non-empty body is sent as application/json unless hdr says otherwise.
// hdr holds name, value pairs.
func request(method, path, key, body string, hdr ...string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, "http://tixallo.test"+path, rd)
	if key != "" {
		r.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "<delete>" {
			r.Header.Del(hdr[i])
			continue
		}
		r.Header.Add(hdr[i], hdr[i+1])
	}
	return r
}

// serve runs one request through the whole server.
func (e *env) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, r)
	return w
}

// do is serve(request(…)).
func (e *env) do(method, path, key, body string, hdr ...string) *httptest.ResponseRecorder {
	return e.serve(request(method, path, key, body, hdr...))
}

// createTicket makes a ticket through the API and returns its object.
func (e *env) createTicket(tn tenant, subject, email string) ticketObject {
	e.t.Helper()
	body, _ := json.Marshal(map[string]string{"subject": subject, "description": "Details of " + subject, "customer_email": email})
	w := e.do("POST", "/api/v1/tickets", tn.key, string(body))
	if w.Code != http.StatusCreated {
		e.t.Fatalf("create ticket: %d %s", w.Code, w.Body)
	}
	var out dataObject[ticketObject]
	mustUnmarshal(e.t, w.Body.Bytes(), &out)
	return out.Data
}

// counts is what a rejected request must leave untouched.
type counts struct{ tickets, customers, events, messages int }

func (e *env) counts(workspaceID string) counts {
	e.t.Helper()
	ctx := context.Background()
	ts, err := e.store.Tickets(ctx, workspaceID, helpdesk.TicketFilter{IncludeMerged: true, Limit: 1 << 20})
	if err != nil {
		e.t.Fatal(err)
	}
	cs, err := e.store.Customers(ctx, workspaceID, helpdesk.CustomerFilter{Limit: 1 << 20})
	if err != nil {
		e.t.Fatal(err)
	}
	evs, err := e.store.Events(ctx, workspaceID, 0, 1<<20)
	if err != nil {
		e.t.Fatal(err)
	}
	c := counts{tickets: len(ts), customers: len(cs), events: len(evs)}
	for _, tk := range ts {
		ms, err := e.store.Messages(ctx, workspaceID, tk.ID, true)
		if err != nil {
			e.t.Fatal(err)
		}
		c.messages += len(ms)
	}
	return c
}

func mustUnmarshal(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// headerSet is a response's headers without the ones that differ per request
// by design (Date, X-Request-Id).
func headerSet(h http.Header) http.Header {
	out := h.Clone()
	out.Del("Date")
	out.Del("X-Request-Id")
	return out
}

// missingID is a well-formed id that names nothing.
const missingID = "01900000-0000-7000-8000-000000000000"
