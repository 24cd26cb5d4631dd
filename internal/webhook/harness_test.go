package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/egress"
	"github.com/tixallo/tixallo/internal/fakeclock"
	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/serverkey"
	"github.com/tixallo/tixallo/internal/store/teststore"
)

// The tests here run the real thing: a SQLite file per test, the service
// that writes events in its transactions, the egress client with
// AllowPrivate (they deliver to loopback receivers only), and a fake clock
// that the tests move before calling Drain.

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
	at     time.Time
	status int // what the receiver answered
}

// receiver is a loopback webhook endpoint whose answer a test controls.
type receiver struct {
	srv    *httptest.Server
	status atomic.Int32
	// retryAfter, when set, is sent as the Retry-After header.
	retryAfter atomic.Pointer[string]
	// hold, when set, makes the handler wait until it is closed.
	hold atomic.Pointer[chan struct{}]
	mu   sync.Mutex
	got  []received
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{}
	r.status.Store(http.StatusOK)
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		status := int(r.status.Load())
		r.mu.Lock()
		r.got = append(r.got, received{header: req.Header.Clone(), body: body, at: time.Now(), status: status})
		r.mu.Unlock()
		if h := r.hold.Load(); h != nil {
			select {
			case <-*h:
			case <-req.Context().Done():
			}
		}
		if v := r.retryAfter.Load(); v != nil {
			w.Header().Set("Retry-After", *v)
		}
		w.WriteHeader(status)
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// ids returns the webhook-id of every request, in arrival order.
func (r *receiver) ids() []string {
	var ids []string
	for _, g := range r.requests() {
		ids = append(ids, g.header.Get("webhook-id"))
	}
	return ids
}

type env struct {
	t      *testing.T
	ctx    context.Context
	store  helpdesk.Store
	svc    *helpdesk.Service
	disp   *Dispatcher
	clock  *fakeclock.Clock
	key    serverkey.Key
	ws     string
	opts   Options
	dbFile string // the SQLite file; "" on PostgreSQL
}

func newEnv(t *testing.T, tweak ...func(*Options)) *env {
	t.Helper()
	ctx := t.Context()
	db := teststore.Open(t, teststore.Options{}) // SQLite, or PostgreSQL on the second run
	st, dbFile := db.Store, ""
	if db.Kind == teststore.SQLite {
		dbFile = db.DSN
	}
	key, err := serverkey.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	clock := fakeclock.New(time.Now().UTC().Truncate(time.Second))
	egressOpts := egress.Options{AllowPrivate: true}
	sender := NewSender(egress.NewClient(egressOpts))
	opts := Options{
		Store: st, Sealer: key, Sender: sender, Now: clock.Now,
		Jitter: func() float64 { return 0.5 }, // exactly the schedule
	}
	for _, f := range tweak {
		f(&opts)
	}
	disp := New(opts)
	svc := helpdesk.NewService(st, helpdesk.Options{
		Now:           clock.Now,
		Webhooks:      helpdesk.WebhookOptions{Sealer: key, Sender: sender, Egress: egressOpts},
		OnWebhookWork: disp.Notify,
	})
	cw, err := svc.CreateWorkspace(ctx, helpdesk.NewWorkspace{Name: "Acme"}, "owner@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, store: st, svc: svc, disp: disp, clock: clock, key: key, ws: cw.Workspace.ID, opts: opts, dbFile: dbFile}
}

var admin = helpdesk.Actor{UserID: "", Name: "test"}

// endpoint creates an endpoint for the receiver, subscribed to types (all
// when none are given).
func (e *env) endpoint(r *receiver, types ...string) *helpdesk.WebhookEndpoint {
	e.t.Helper()
	if len(types) == 0 {
		types = helpdesk.EventTypes
	}
	ep, err := e.svc.CreateWebhookEndpoint(e.ctx, e.ws, admin, helpdesk.WebhookEndpointInput{
		URL: r.srv.URL + "/hook", Description: "test", EventTypes: types,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return ep
}

func (e *env) secret(ep *helpdesk.WebhookEndpoint) string {
	e.t.Helper()
	s, err := e.svc.RevealWebhookSecret(e.ctx, e.ws, ep.ID, admin)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// ticket creates a ticket (firing customer.created for a new email, and
// ticket.created).
func (e *env) ticket(subject, email string) *helpdesk.Ticket {
	e.t.Helper()
	tk, err := e.svc.CreateTicket(e.ctx, e.ws, helpdesk.NewTicket{
		Subject: subject, Description: "Help", CustomerEmail: email, Source: helpdesk.SourceAPI,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return tk
}

func (e *env) drain() {
	e.t.Helper()
	if err := e.disp.Drain(e.ctx); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) deliveries(ep *helpdesk.WebhookEndpoint) []helpdesk.Delivery {
	e.t.Helper()
	ds, err := e.svc.WebhookDeliveries(e.ctx, e.ws, ep.ID, helpdesk.WebhookPage{})
	if err != nil {
		e.t.Fatal(err)
	}
	return ds
}

func (e *env) reload(ep *helpdesk.WebhookEndpoint) *helpdesk.WebhookEndpoint {
	e.t.Helper()
	got, err := e.svc.WebhookEndpoint(e.ctx, e.ws, ep.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// payload decodes a request body into a map, keeping numbers exact.
func payload(t *testing.T, body []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("payload %s: %v", body, err)
	}
	return m
}
