package webhook

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/tixallo/tixallo/internal/egress"
	"github.com/tixallo/tixallo/internal/helpdesk"
)

// fakeResolver answers from a table and fails every other name, so no test
// asks real DNS.
type fakeResolver map[string]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := f[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// Saving an endpoint runs the egress check: without --webhook-allow-private
// a private or loopback URL, or a name resolving to one, is a clear form
// error on the url field; so are plain http and unknown event types.
func TestCreateEndpointValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	svc := helpdesk.NewService(e.store, helpdesk.Options{Webhooks: helpdesk.WebhookOptions{
		Sealer: e.key, Sender: NewSender(egress.NewClient(egress.Options{})),
		Egress: egress.Options{Resolver: fakeResolver{"hooks.example.com": "1.1.1.1", "evil.example.com": "10.0.0.1"}},
	}})
	all := helpdesk.EventTypes
	for _, tt := range []struct {
		name  string
		in    helpdesk.WebhookEndpointInput
		field string
		msg   string
	}{
		{"loopback", helpdesk.WebhookEndpointInput{URL: "https://127.0.0.1/hook", EventTypes: all}, "url", "not a public internet address"},
		{"metadata", helpdesk.WebhookEndpointInput{URL: "https://169.254.169.254/", EventTypes: all}, "url", "not a public"},
		{"name to private", helpdesk.WebhookEndpointInput{URL: "https://evil.example.com/", EventTypes: all}, "url", "resolves to 10.0.0.1"},
		{"http", helpdesk.WebhookEndpointInput{URL: "http://hooks.example.com/", EventTypes: all}, "url", "https"},
		{"empty url", helpdesk.WebhookEndpointInput{EventTypes: all}, "url", "Required"},
		{"no types", helpdesk.WebhookEndpointInput{URL: "https://hooks.example.com/"}, "event_types", "at least one"},
		{"bad type", helpdesk.WebhookEndpointInput{URL: "https://hooks.example.com/", EventTypes: []string{"ticket.deleted"}}, "event_types", "Unknown"},
		{"long description", helpdesk.WebhookEndpointInput{URL: "https://hooks.example.com/", EventTypes: all, Description: strings.Repeat("x", 501)}, "description", "at most"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.CreateWebhookEndpoint(e.ctx, e.ws, admin, tt.in)
			var he *helpdesk.Error
			if !errors.As(err, &he) || he.Code != helpdesk.EInvalid {
				t.Fatalf("err = %v, want EInvalid", err)
			}
			if msgs := he.Fields[tt.field]; len(msgs) == 0 || !strings.Contains(strings.Join(msgs, " "), tt.msg) {
				t.Fatalf("fields %v, want %s to mention %q", he.Fields, tt.field, tt.msg)
			}
		})
	}
	ep, err := svc.CreateWebhookEndpoint(e.ctx, e.ws, admin, helpdesk.WebhookEndpointInput{
		URL: "https://hooks.example.com/in", EventTypes: []string{helpdesk.EventTicketClosed, helpdesk.EventTicketCreated, helpdesk.EventTicketCreated},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{helpdesk.EventTicketCreated, helpdesk.EventTicketClosed}; strings.Join(ep.EventTypes, ",") != strings.Join(want, ",") {
		t.Fatalf("event types %v, want %v (canonical order, no duplicates)", ep.EventTypes, want)
	}
}

// Endpoint management end to end: edit, disable, reveal, rotate, delete,
// each audited, secrets sealed at rest, and another workspace sees nothing.
func TestEndpointLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t)
	ep := e.endpoint(r)
	secret := e.secret(ep)
	if !strings.HasPrefix(secret, "whsec_") || len(secret) != len("whsec_")+44 {
		t.Fatalf("secret format %d chars", len(secret))
	}
	if bytes.Contains(ep.SecretSealed, []byte(secret)) || bytes.Contains(ep.SecretSealed, []byte(strings.TrimPrefix(secret, "whsec_"))) {
		t.Fatal("the secret is stored in the clear")
	}

	up, err := e.svc.UpdateWebhookEndpoint(e.ctx, e.ws, ep.ID, admin, helpdesk.WebhookEndpointInput{
		URL: r.srv.URL + "/v2", Description: "edited", EventTypes: []string{helpdesk.EventCustomerCreated},
	})
	if err != nil || up.URL != r.srv.URL+"/v2" || up.Description != "edited" || len(up.EventTypes) != 1 {
		t.Fatalf("update: %+v, %v", up, err)
	}
	if d, err := e.svc.SetWebhookEndpointActive(e.ctx, e.ws, ep.ID, admin, false); err != nil || d.Active {
		t.Fatalf("disable: %+v, %v", d, err)
	}
	if _, err := e.svc.ResendWebhookEvent(e.ctx, e.ws, ep.ID, "x", admin); !helpdesk.IsCode(err, helpdesk.EConflict) {
		t.Fatalf("resend to a disabled endpoint: %v", err)
	}
	if _, err := e.svc.SetWebhookEndpointActive(e.ctx, e.ws, ep.ID, admin, true); err != nil {
		t.Fatal(err)
	}
	rotated, err := e.svc.RotateWebhookSecret(e.ctx, e.ws, ep.ID, admin)
	if err != nil || rotated == secret {
		t.Fatalf("rotate: %v", err)
	}
	got := e.reload(ep)
	if !got.Rotating(e.clock.Now()) || got.Rotating(e.clock.Now().Add(helpdesk.WebhookRotationOverlap)) {
		t.Fatalf("rotation window: previous expires %v", got.PreviousExpiresAt)
	}

	// Another workspace cannot touch it.
	other, err := e.svc.CreateWorkspace(e.ctx, helpdesk.NewWorkspace{Name: "Other"}, "o@other.example")
	if err != nil {
		t.Fatal(err)
	}
	ows := other.Workspace.ID
	checks := map[string]error{}
	_, checks["get"] = e.svc.WebhookEndpoint(e.ctx, ows, ep.ID)
	_, checks["update"] = e.svc.UpdateWebhookEndpoint(e.ctx, ows, ep.ID, admin, helpdesk.WebhookEndpointInput{URL: r.srv.URL, EventTypes: helpdesk.EventTypes})
	_, checks["disable"] = e.svc.SetWebhookEndpointActive(e.ctx, ows, ep.ID, admin, false)
	_, checks["reveal"] = e.svc.RevealWebhookSecret(e.ctx, ows, ep.ID, admin)
	_, checks["rotate"] = e.svc.RotateWebhookSecret(e.ctx, ows, ep.ID, admin)
	_, checks["deliveries"] = e.svc.WebhookDeliveries(e.ctx, ows, ep.ID, helpdesk.WebhookPage{})
	_, checks["attempts"] = e.svc.WebhookAttempts(e.ctx, ows, ep.ID, helpdesk.WebhookPage{})
	_, checks["test"] = e.svc.SendTestWebhook(e.ctx, ows, ep.ID, admin)
	checks["delete"] = e.svc.DeleteWebhookEndpoint(e.ctx, ows, ep.ID, admin)
	for what, err := range checks {
		if !helpdesk.IsCode(err, helpdesk.ENotFound) {
			t.Errorf("%s from another workspace: %v, want not found", what, err)
		}
	}
	if list, _ := e.svc.WebhookEndpoints(e.ctx, ows); len(list) != 0 {
		t.Errorf("another workspace lists %d endpoints", len(list))
	}

	if err := e.svc.DeleteWebhookEndpoint(e.ctx, e.ws, ep.ID, admin); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.WebhookEndpoint(e.ctx, e.ws, ep.ID); !helpdesk.IsCode(err, helpdesk.ENotFound) {
		t.Fatalf("deleted endpoint: %v", err)
	}

	entries, err := e.svc.AuditEntries(e.ctx, e.ws, helpdesk.AuditCursor{CreatedAt: e.clock.Now().Add(1e9)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, a := range entries {
		actions[a.Action]++
		if a.Target == ep.ID && (strings.Contains(a.Detail, secret) || strings.Contains(a.Detail, rotated)) {
			t.Errorf("audit %s holds a secret", a.Action)
		}
	}
	for _, a := range []string{helpdesk.AuditWebhookCreated, helpdesk.AuditWebhookUpdated, helpdesk.AuditWebhookDisabled,
		helpdesk.AuditWebhookEnabled, helpdesk.AuditWebhookRevealed, helpdesk.AuditWebhookRotated, helpdesk.AuditWebhookDeleted} {
		if actions[a] == 0 {
			t.Errorf("no %s audit entry (have %v)", a, actions)
		}
	}

	// Nothing in the database file holds a secret in the clear (SQLite; the
	// store code that writes the secret is shared in shape with PostgreSQL's).
	if e.dbFile == "" {
		return
	}
	var raw []byte
	for _, suffix := range []string{"", "-wal"} {
		b, _ := os.ReadFile(e.dbFile + suffix)
		raw = append(raw, b...)
	}
	if len(raw) == 0 {
		t.Fatal("database file not found")
	}
	if bytes.Contains(raw, []byte(secret)) || bytes.Contains(raw, []byte(rotated)) {
		t.Error("a secret is in the database file in the clear")
	}
}

// "Send test event" makes a real attempt and reports it: status, latency,
// the first 1 KB of the answer; it is in the delivery log, not a delivery.
func TestSendTestWebhook(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var gotSig, gotID string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotSig, gotID = r.Header.Get("webhook-signature"), r.Header.Get("webhook-id")
		w.WriteHeader(http.StatusTeapot)
		w.Write(bytes.Repeat([]byte("é"), 3000)) // 6000 bytes, 2-byte runes
	}))
	t.Cleanup(srv.Close)
	ep, err := e.svc.CreateWebhookEndpoint(e.ctx, e.ws, admin, helpdesk.WebhookEndpointInput{URL: srv.URL, EventTypes: helpdesk.EventTypes})
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.svc.SendTestWebhook(e.ctx, e.ws, ep.ID, admin)
	if err != nil {
		t.Fatal(err)
	}
	if a.StatusCode != http.StatusTeapot || a.Latency <= 0 || a.EventType != helpdesk.EventWebhookTest || a.EventID != gotID || gotSig == "" {
		t.Fatalf("test attempt %+v (id %q)", a, gotID)
	}
	if len(a.Response) > helpdesk.WebhookResponseExcerpt || len(a.Response) < helpdesk.WebhookResponseExcerpt-1 || strings.ContainsRune(a.Response, '\uFFFD') {
		t.Fatalf("excerpt of %d bytes (valid runes only, at most 1 KB)", len(a.Response))
	}
	log, err := e.svc.WebhookAttempts(e.ctx, e.ws, ep.ID, helpdesk.WebhookPage{})
	if err != nil || len(log) != 1 || log[0].ID != a.ID || log[0].DeliveryID != "" || log[0].Response != a.Response {
		t.Fatalf("log %+v, %v", log, err)
	}
	if ds := e.deliveries(ep); len(ds) != 0 {
		t.Fatalf("a test event made %d deliveries", len(ds))
	}

	// Nothing listening: the error is reported, not returned.
	srv.Close()
	a, err = e.svc.SendTestWebhook(e.ctx, e.ws, ep.ID, admin)
	if err != nil || a.StatusCode != 0 || a.Error == "" || strings.Contains(a.Error, srv.URL) {
		t.Fatalf("test to a closed port: %+v, %v", a, err)
	}
}

// Resend queues an event again, delivered or not, with the same webhook-id;
// the log pages newest first.
func TestResendAndPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t)
	ep := e.endpoint(r, helpdesk.EventTicketCreated)
	for i := range 3 {
		e.ticket("Page", "page"+string(rune('a'+i))+"@example.com")
	}
	e.drain()
	events, _ := e.svc.Events(e.ctx, e.ws, 0, 0)
	var first helpdesk.Event
	for _, ev := range events {
		if ev.Type == helpdesk.EventTicketCreated {
			first = ev
			break
		}
	}
	d, err := e.svc.ResendWebhookEvent(e.ctx, e.ws, ep.ID, first.ID, admin)
	if err != nil || d.State != helpdesk.DeliveryPending {
		t.Fatalf("resend: %+v, %v", d, err)
	}
	e.drain()
	ids := r.ids()
	if len(ids) != 4 || ids[3] != first.ID {
		t.Fatalf("ids %v, want the first event again last", ids)
	}
	// Resending an event the endpoint does not subscribe to works too.
	var customer helpdesk.Event
	for _, ev := range events {
		if ev.Type == helpdesk.EventCustomerCreated {
			customer = ev
		}
	}
	if _, err := e.svc.ResendWebhookEvent(e.ctx, e.ws, ep.ID, customer.ID, admin); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if ids := r.ids(); len(ids) != 5 || ids[4] != customer.ID {
		t.Fatalf("ids %v", ids)
	}
	if _, err := e.svc.ResendWebhookEvent(e.ctx, e.ws, ep.ID, "0193aaaa-0000-7000-8000-000000000000", admin); !helpdesk.IsCode(err, helpdesk.ENotFound) {
		t.Fatalf("resend of an unknown event: %v", err)
	}

	all, err := e.svc.WebhookAttempts(e.ctx, e.ws, ep.ID, helpdesk.WebhookPage{})
	if err != nil || len(all) != 5 {
		t.Fatalf("attempts %d, %v", len(all), err)
	}
	var paged []helpdesk.DeliveryAttempt
	page := helpdesk.WebhookPage{Limit: 2}
	for {
		got, err := e.svc.WebhookAttempts(e.ctx, e.ws, ep.ID, page)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, got...)
		if len(got) < page.Limit {
			break
		}
		page.Before = got[len(got)-1].ID
	}
	if len(paged) != 5 {
		t.Fatalf("paged %d", len(paged))
	}
	for i := range paged {
		if paged[i].ID != all[i].ID {
			t.Fatal("paging does not match the full list")
		}
		if i > 0 && !(paged[i].ID < paged[i-1].ID) {
			t.Fatal("not newest first")
		}
	}
	if all[0].EventID != customer.ID {
		t.Fatalf("newest attempt is %s, want the last resend", all[0].EventID)
	}
	ds := e.deliveries(ep)
	if len(ds) != 4 {
		t.Fatalf("%d deliveries, want 4 (a resend re-queues the same one)", len(ds))
	}
}
