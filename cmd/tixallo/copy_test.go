package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/tixallo/tixallo/internal/app"
	"github.com/tixallo/tixallo/internal/config"
	"github.com/tixallo/tixallo/internal/fakeclock"
	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/teststore"
)

// hookReceiver is a loopback webhook endpoint whose status a test sets.
type hookReceiver struct {
	srv    *httptest.Server
	status atomic.Int32
	mu     sync.Mutex
	got    []hookRequest
}

type hookRequest struct {
	header http.Header
	body   []byte
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{}
	r.status.Store(http.StatusOK)
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, hookRequest{header: req.Header.Clone(), body: body})
		r.mu.Unlock()
		w.WriteHeader(int(r.status.Load()))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) requests() []hookRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hookRequest(nil), r.got...)
}

// server is one wired Tixallo (app.New) whose API the test calls through
// its real router.
type server struct {
	t *testing.T
	a *app.App
}

func newServer(t *testing.T, database, keyFile string, clock *fakeclock.Clock) *server {
	t.Helper()
	cfg := config.Default()
	cfg.Database = database
	cfg.SecretKeyFile = keyFile
	cfg.WebhookAllowPrivate = true
	a, err := app.New(t.Context(), cfg, slog.New(slog.DiscardHandler), app.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &server{t: t, a: a}
}

func (s *server) do(method, path, key, body string, header ...string) (int, []byte) {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	s.a.Handler.ServeHTTP(w, req)
	return w.Code, w.Body.Bytes()
}

func (s *server) get(path, key string) []byte {
	s.t.Helper()
	code, body := s.do("GET", path, key, "")
	if code != http.StatusOK {
		s.t.Fatalf("GET %s: %d %s", path, code, body)
	}
	return body
}

// installation is what the seeding made that the checks after the move
// need.
type installation struct {
	ws, wsB                    string
	ownerEmail, ownerPassword  string
	agentEmail, agentPassword  string
	session                    string
	key, revokedKey, expiredKy string
	endpointID, secret         string
	pendingEvent               string // the event whose delivery failed before the move
	idemBody                   []byte // the answer to the POST sent with an Idempotency-Key
	lastNumber                 int64
	// What the API answered on SQLite, to be answered byte for byte on
	// PostgreSQL.
	tickets, ticketsPage1, ticketsPage2, events, eventsAfter, detail []byte
	pageCursor, eventCursor                                          string
	detailID                                                         string
}

const idemRequest = `{"subject":"Idempotent","description":"sent twice","customer_email":"idem@example.com"}`

// seed fills a SQLite installation through the service and the API with
// one of everything the copy must carry: two workspaces, users with
// passwords, a session, invites (one pending), inboxes, a company,
// customers, tickets with messages and an internal note, a merged ticket,
// API keys (one revoked, one expired), audit entries, events, an
// idempotency record, and a webhook endpoint with a rotated secret whose
// deliveries have succeeded and, after a failed attempt, wait for a retry.
func seed(t *testing.T, s *server, clock *fakeclock.Clock, recv *hookReceiver) *installation {
	t.Helper()
	ctx := t.Context()
	svc := s.a.Service
	in := &installation{ownerEmail: "owner@acme.test", ownerPassword: "correct horse battery staple copy",
		agentEmail: "agent@acme.test", agentPassword: "agent battery staple horse copy"}
	owner, err := svc.SignUp(ctx, helpdesk.NewAccount{Name: "Olive Owner", Email: in.ownerEmail, Password: in.ownerPassword, WorkspaceName: "Acme"}, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	in.ws, in.session = owner.WorkspaceID, owner.Token
	by := helpdesk.Actor{UserID: owner.User.ID, Name: owner.User.Name, IP: "127.0.0.1"}
	inv, err := svc.InviteMember(ctx, in.ws, by, in.agentEmail, helpdesk.RoleAgent)
	if err != nil {
		t.Fatal(err)
	}
	agent, err := svc.AcceptInvite(ctx, inv.Token, helpdesk.AcceptInvite{Name: "Alex Agent", Password: in.agentPassword}, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.InviteMember(ctx, in.ws, by, "pending@acme.test", helpdesk.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	billing, err := svc.CreateInbox(ctx, in.ws, by, "Billing")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateCompany(ctx, in.ws, "Globex", "globex.test"); err != nil {
		t.Fatal(err)
	}
	cwB, err := svc.CreateWorkspace(ctx, helpdesk.NewWorkspace{Name: "Beta"}, "owner@beta.test")
	if err != nil {
		t.Fatal(err)
	}
	in.wsB = cwB.Workspace.ID

	key, err := svc.CreateAPIKey(ctx, in.ws, by, helpdesk.NewAPIKey{Name: "integration"})
	if err != nil {
		t.Fatal(err)
	}
	in.key = key.Secret
	revoked, err := svc.CreateAPIKey(ctx, in.ws, by, helpdesk.NewAPIKey{Name: "old", Scope: helpdesk.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RevokeAPIKey(ctx, in.ws, revoked.Key.KeyID, by); err != nil {
		t.Fatal(err)
	}
	in.revokedKey = revoked.Secret
	soon := clock.Now().Add(time.Minute)
	expired, err := svc.CreateAPIKey(ctx, in.ws, by, helpdesk.NewAPIKey{Name: "temporary", ExpiresAt: &soon})
	if err != nil {
		t.Fatal(err)
	}
	in.expiredKy = expired.Secret
	clock.Advance(2 * time.Minute)
	if _, err := svc.CreateAPIKey(ctx, in.wsB, helpdesk.Actor{Name: "cli"}, helpdesk.NewAPIKey{Name: "beta"}); err != nil {
		t.Fatal(err)
	}

	ep, err := svc.CreateWebhookEndpoint(ctx, in.ws, by, helpdesk.WebhookEndpointInput{
		URL: recv.srv.URL + "/hook", Description: "crm", EventTypes: helpdesk.EventTypes,
	})
	if err != nil {
		t.Fatal(err)
	}
	in.endpointID = ep.ID
	if in.secret, err = svc.RotateWebhookSecret(ctx, in.ws, ep.ID, by); err != nil {
		t.Fatal(err)
	}

	var tickets []*helpdesk.Ticket
	for i := range 5 {
		tk, err := svc.CreateTicket(ctx, in.ws, helpdesk.NewTicket{
			Subject: "Printer " + strconv.Itoa(i), Description: "It is on fire, again.\nLine two: ünïcödé ✓",
			CustomerEmail: "c" + strconv.Itoa(i%3) + "@example.com", Source: helpdesk.SourceAPI, InboxID: billing.ID,
			AssigneeID: agent.User.ID,
		})
		if err != nil {
			t.Fatal(err)
		}
		tickets = append(tickets, tk)
		clock.Advance(time.Second)
	}
	if _, err := svc.AddMessage(ctx, in.ws, tickets[0].ID, helpdesk.NewMessage{Body: "Have you tried turning it off?", AuthorType: helpdesk.AuthorAgent, AuthorID: agent.User.ID, Source: helpdesk.SourceWeb}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddMessage(ctx, in.ws, tickets[0].ID, helpdesk.NewMessage{Body: "Internal: customer is a VIP", AuthorType: helpdesk.AuthorAgent, AuthorID: agent.User.ID, Source: helpdesk.SourceWeb, Internal: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.MergeTicket(ctx, in.ws, tickets[4].ID, tickets[3].ID, by); err != nil {
		t.Fatal(err)
	}
	in.detailID = tickets[0].ID
	if _, err := svc.CreateTicket(ctx, in.wsB, helpdesk.NewTicket{Subject: "Beta's", Description: "other tenant", CustomerEmail: "b@example.com", Source: helpdesk.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	code, body := s.do("POST", "/api/v1/tickets", in.key, idemRequest, "Idempotency-Key", "copy-1")
	if code != http.StatusCreated {
		t.Fatalf("POST with Idempotency-Key: %d %s", code, body)
	}
	in.idemBody = body

	// Everything so far reaches the receiver; then it fails, and the next
	// event's delivery waits for its retry.
	if err := s.a.Webhooks.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	recv.status.Store(http.StatusServiceUnavailable)
	last, err := svc.CreateTicket(ctx, in.ws, helpdesk.NewTicket{Subject: "During the outage", Description: "d", CustomerEmail: "c0@example.com", Source: helpdesk.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	in.lastNumber = last.Number
	if err := s.a.Webhooks.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	ds, err := svc.WebhookDeliveries(ctx, in.ws, ep.ID, helpdesk.WebhookPage{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.State == helpdesk.DeliveryPending {
			in.pendingEvent = d.EventID
		}
	}
	if in.pendingEvent == "" {
		t.Fatalf("no pending delivery among %d", len(ds))
	}

	// What clients see, to be seen again after the move.
	in.tickets = s.get("/api/v1/tickets?limit=50", in.key)
	in.ticketsPage1 = s.get("/api/v1/tickets?limit=2", in.key)
	in.pageCursor = field(t, in.ticketsPage1, "next_cursor")
	in.ticketsPage2 = s.get("/api/v1/tickets?limit=2&cursor="+in.pageCursor, in.key)
	in.events = s.get("/api/v1/events?limit=5", in.key)
	in.eventCursor = field(t, in.events, "next_cursor")
	in.eventsAfter = s.get("/api/v1/events?after="+in.eventCursor, in.key)
	in.detail = s.get("/api/v1/tickets/"+in.detailID, in.key)
	return in
}

func field(t *testing.T, body []byte, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	s, _ := m[name].(string)
	if s == "" {
		t.Fatalf("no %s in %s", name, body)
	}
	return s
}

// TestCopySQLiteToPostgres moves a seeded SQLite installation with `tixallo
// copy` and proves nobody can tell: on PostgreSQL, with the same server key,
// the API answers byte for byte as it did, keys and sessions and passwords
// work as they did, the feed's cursors hold, the next ticket gets the next
// number, the webhook secret is the same and the delivery that was waiting
// for a retry is made.
func TestCopySQLiteToPostgres(t *testing.T) {
	t.Parallel()
	pgURL := teststore.NewPostgresSchema(t) // skips without TIXALLO_TEST_POSTGRES
	dir := t.TempDir()
	sqlitePath, keyFile := filepath.Join(dir, "tixallo.db"), filepath.Join(dir, "server.key")
	clock := fakeclock.New(time.Now().UTC().Truncate(time.Second))
	recv := newHookReceiver(t)

	before := newServer(t, sqlitePath, keyFile, clock)
	in := seed(t, before, clock, recv)
	delivered := len(recv.requests())
	if err := before.a.Store.Close(); err != nil {
		t.Fatal(err)
	}

	var out, errb bytes.Buffer
	env := map[string]string{"TIXALLO_DATABASE": pgURL}
	if err := run(t.Context(), []string{"copy", "--from", sqlitePath}, func(k string) string { return env[k] }, &out, &errb); err != nil {
		t.Fatalf("tixallo copy: %v\n%s", err, errb.String())
	}
	t.Logf("tixallo copy:\n%s", out.String())
	if strings.Contains(out.String(), "tixallo_ci:tixallo_ci") {
		t.Errorf("the summary prints the URL's password:\n%s", out.String())
	}
	checkCounts(t, sqlitePath, pgURL, out.String())

	after := newServer(t, pgURL, keyFile, clock)
	t.Cleanup(func() { after.a.Store.Close() })
	ctx := t.Context()

	for _, c := range []struct {
		name string
		path string
		want []byte
	}{
		{"ticket list", "/api/v1/tickets?limit=50", in.tickets},
		{"first page", "/api/v1/tickets?limit=2", in.ticketsPage1},
		{"page after a SQLite cursor", "/api/v1/tickets?limit=2&cursor=" + in.pageCursor, in.ticketsPage2},
		{"events", "/api/v1/events?limit=5", in.events},
		{"events after a SQLite cursor", "/api/v1/events?after=" + in.eventCursor, in.eventsAfter},
		{"ticket with messages", "/api/v1/tickets/" + in.detailID, in.detail},
	} {
		if got := after.get(c.path, in.key); !bytes.Equal(got, c.want) {
			t.Errorf("%s on PostgreSQL:\n%s\nwant, as on SQLite:\n%s", c.name, got, c.want)
		}
	}
	for name, key := range map[string]string{"revoked": in.revokedKey, "expired": in.expiredKy} {
		if code, body := after.do("GET", "/api/v1/tickets", key, ""); code != http.StatusUnauthorized {
			t.Errorf("%s key on PostgreSQL: %d %s, want 401", name, code, body)
		}
	}
	if code, body := after.do("POST", "/api/v1/tickets", in.key, idemRequest, "Idempotency-Key", "copy-1"); code != http.StatusCreated || !bytes.Equal(body, in.idemBody) {
		t.Errorf("replayed POST on PostgreSQL: %d %s, want the first answer %s", code, body, in.idemBody)
	}
	code, body := after.do("POST", "/api/v1/tickets", in.key, `{"subject":"After the move","description":"d","customer_email":"c1@example.com"}`)
	if code != http.StatusCreated {
		t.Fatalf("create on PostgreSQL: %d %s", code, body)
	}
	var created struct {
		Data struct {
			Number int64 `json:"ticket_number"`
		}
	}
	json.Unmarshal(body, &created)
	if created.Data.Number != in.lastNumber+1 {
		t.Errorf("new ticket number %d, want %d: %s", created.Data.Number, in.lastNumber+1, body)
	}
	newEvents := after.get("/api/v1/events?after="+field(t, in.eventsAfter, "next_cursor"), in.key)
	if !bytes.Contains(newEvents, []byte(`"ticket.created"`)) || !bytes.Contains(newEvents, []byte("After the move")) {
		t.Errorf("the feed after the last SQLite cursor does not hold the new ticket's event: %s", newEvents)
	}

	svc := after.a.Service
	if auth, err := svc.SessionAuth(ctx, in.session); err != nil || auth.Workspace.ID != in.ws {
		t.Errorf("session from SQLite on PostgreSQL: %v, %v", auth, err)
	}
	if _, err := svc.LogIn(ctx, in.agentEmail, in.agentPassword, "127.0.0.1", ""); err != nil {
		t.Errorf("log in with the SQLite password: %v", err)
	}
	if _, err := svc.LogIn(ctx, in.ownerEmail, "not the password at all", "127.0.0.1", ""); err == nil {
		t.Error("a wrong password logs in")
	}
	secret, err := svc.RevealWebhookSecret(ctx, in.ws, in.endpointID, helpdesk.Actor{Name: "test"})
	if err != nil || secret != in.secret {
		t.Fatalf("webhook secret on PostgreSQL: %v (same: %v)", err, secret == in.secret)
	}

	// The delivery that failed on SQLite is retried from PostgreSQL.
	recv.status.Store(http.StatusOK)
	clock.Advance(time.Hour)
	if err := after.a.Webhooks.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	var retried bool
	for _, r := range recv.requests()[delivered:] {
		if r.header.Get("webhook-id") != in.pendingEvent {
			continue
		}
		// The fake clock is an hour ahead of the receiver's.
		if err := wh.VerifyIgnoringTimestamp(r.body, r.header); err != nil {
			t.Errorf("retried delivery's signature: %v", err)
		}
		retried = true
	}
	if !retried {
		t.Errorf("the delivery pending on SQLite (event %s) was not made from PostgreSQL", in.pendingEvent)
	}
	ds, err := svc.WebhookDeliveries(ctx, in.ws, in.endpointID, helpdesk.WebhookPage{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.EventID == in.pendingEvent && d.State != helpdesk.DeliverySucceeded {
			t.Errorf("delivery of %s is %s after the retry", d.EventID, d.State)
		}
	}
}

var summaryLine = regexp.MustCompile(`(?m)^  (\w+) +(\d+)$`)

// checkCounts compares, for every table, the rows SQLite holds, the rows
// the summary says were copied and the rows PostgreSQL holds; every table
// must hold some, so that the seeding is known to exercise all of them.
func checkCounts(t *testing.T, sqlitePath, pgURL, summary string) {
	t.Helper()
	ctx := t.Context()
	lite, err := sql.Open("sqlite", sqlitePath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(context.WithoutCancel(ctx))
	lines := summaryLine.FindAllStringSubmatch(summary, -1)
	if len(lines) < 18 {
		t.Fatalf("summary has %d table lines:\n%s", len(lines), summary)
	}
	for _, m := range lines {
		table, printed := m[1], m[2]
		if table == "total" {
			continue
		}
		var inSQLite, inPG int64
		if err := lite.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&inSQLite); err != nil {
			t.Fatal(err)
		}
		if err := pg.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{table}.Sanitize()).Scan(&inPG); err != nil {
			t.Fatal(err)
		}
		if strconv.FormatInt(inSQLite, 10) != printed || inPG != inSQLite {
			t.Errorf("%s: SQLite %d, printed %s, PostgreSQL %d", table, inSQLite, printed, inPG)
		}
		if inSQLite == 0 {
			t.Errorf("%s: the seeding left it empty, so the copy of its rows is untested", table)
		}
	}
}

// TestCopyUsage: copy needs a SQLite file and a postgres:// URL, and takes
// the URL from TIXALLO_DATABASE only when that is one; its help never shows
// the URL (it may hold a password).
func TestCopyUsage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		env  string
	}{
		{[]string{"copy"}, "postgres://u:pw-8c1f@127.0.0.1/db"},
		{[]string{"copy", "--from", "tixallo.db"}, "tixallo.db"},
		{[]string{"copy", "--from", "tixallo.db", "--to", "other.db"}, ""},
		{[]string{"copy", "--from", "tixallo.db", "--to", "postgres://127.0.0.1/db", "extra"}, ""},
	} {
		var out, errb bytes.Buffer
		err := run(t.Context(), tt.args, func(k string) string {
			if k == "TIXALLO_DATABASE" {
				return tt.env
			}
			return ""
		}, &out, &errb)
		if err != errUsage || !strings.Contains(errb.String(), "Usage: tixallo copy") {
			t.Errorf("tixallo %s (TIXALLO_DATABASE=%q): %v\n%s", strings.Join(tt.args, " "), tt.env, err, errb.String())
		}
		if strings.Contains(errb.String(), "pw-8c1f") {
			t.Errorf("the usage text shows TIXALLO_DATABASE's password:\n%s", errb.String())
		}
	}
}
