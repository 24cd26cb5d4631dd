package web_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"golang.org/x/net/html"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// receiver is a webhook receiver on a loopback port that records what it
// gets and answers with a fixed status and body.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	status int
	body   string
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, status int, body string) *receiver {
	t.Helper()
	r := &receiver{status: status, body: body}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{header: req.Header.Clone(), body: b})
		r.mu.Unlock()
		w.WriteHeader(r.status)
		_, _ = io.WriteString(w, r.body)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// verify checks every request the receiver got against secret with the
// Standard Webhooks library, as a receiver in production would.
func (r *receiver) verify(t *testing.T, secret string) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range r.requests() {
		if err := wh.Verify(g.body, g.header); err != nil {
			t.Errorf("receiver cannot verify %s: %v", g.body, err)
		}
	}
}

// postForm posts the form that formSel finds on p with vals replacing its
// fields (several values per name, unlike submit), and follows redirects.
func (b *browser) postForm(p *page, formSel string, vals url.Values) *page {
	b.t.Helper()
	form := p.must(formSel)
	all := formValues(form)
	for k, v := range vals {
		all[k] = v
	}
	u, _ := url.Parse(p.url)
	target, _ := u.Parse(attr(form, "action"))
	return b.follow(b.postRaw(target.String(), all))
}

// addWebhook creates an endpoint through the form and returns its page.
func (b *browser) addWebhook(rawURL, description string, events ...string) *page {
	b.t.Helper()
	form := b.get("/integrations/webhooks/new").wantStatus(http.StatusOK)
	p := b.postForm(form, "#webhook-form", url.Values{"url": {rawURL}, "description": {description}, "event_types": events})
	return p.wantStatus(http.StatusOK)
}

// endpointID is the id of the endpoint whose page p is.
func endpointID(p *page) string {
	p.t.Helper()
	return attr(p.must("#webhook-settings"), "data-endpoint-id")
}

func (e *env) endpoints(ws string) []helpdesk.WebhookEndpoint {
	e.t.Helper()
	eps, err := e.svc.WebhookEndpoints(e.t.Context(), ws)
	if err != nil {
		e.t.Fatal(err)
	}
	return eps
}

// TestWebhooksPage: a workspace without endpoints says so, and the
// integrations page links to the list. Who may open each webhook page, and
// that another workspace's endpoint is not found, are checked with every
// other page (pages_test.go, isolation_test.go).
func TestWebhooksPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signup("Ada", "ada@example.com", "A")
	b.get("/integrations/webhooks").wantStatus(http.StatusOK).must("#webhooks-empty")
	b.get("/integrations").wantStatus(http.StatusOK).must("#webhooks-link")
}

// TestWebhookEndpointLifecycle: create → list → edit → disable → enable →
// delete through its confirmation page, every page held to checkPage and
// checkForms (the plain GET pages are held to them with every other page,
// in pages_test.go and a11y_test.go).
func TestWebhookEndpointLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := e.team("Life")
	b := tm.admin
	ws := workspaceOf(t, e, "life-owner@example.com")
	rcv := newReceiver(t, http.StatusNoContent, "")

	list := b.get("/integrations/webhooks").wantStatus(http.StatusOK)
	form := b.get(attr(list.must("#add-webhook-link"), "href")).wantStatus(http.StatusOK)
	if n := len(form.findAll(`#webhook-events input[type=checkbox][checked]`)); n != len(helpdesk.EventTypes) {
		t.Errorf("%d event types checked on a new form, want all %d", n, len(helpdesk.EventTypes))
	}

	hook := rcv.URL + "/hooks"
	p := b.postForm(form, "#webhook-form", url.Values{
		"url": {hook}, "description": {"Order system"}, "event_types": {"ticket.created", "ticket.closed"},
	}).wantStatus(http.StatusOK)
	checkPage(t, "webhook", p)
	checkForms(t, "webhook", p)
	id := endpointID(p)
	if !strings.HasSuffix(p.url, "/integrations/webhooks/"+id+"?notice=webhook_created") || p.find("#notice") == nil {
		t.Errorf("created: landed on %s", p.url)
	}
	if p.h1() != hook || p.text("#webhook-description") != "Order system" || p.text("#webhook-events") != "ticket.created, ticket.closed" {
		t.Errorf("endpoint page: %q %q %q", p.h1(), p.text("#webhook-description"), p.text("#webhook-events"))
	}
	if p.text("#webhook-status") != "Active" {
		t.Errorf("status %q", p.text("#webhook-status"))
	}
	p.must("#webhook-deliveries-empty")
	p.must("#webhook-attempts-empty")

	row := b.get("/integrations/webhooks").must(`tr[data-endpoint-id="` + id + `"]`)
	if text(find(row, "[data-test=endpoint-url]")) != hook || text(find(row, "[data-test=endpoint-description]")) != "Order system" ||
		text(find(row, "[data-test=endpoint-events]")) != "ticket.created, ticket.closed" || text(find(row, "[data-test=endpoint-status]")) != "Active" {
		t.Errorf("list row %q", text(row))
	}
	if attr(find(row, "a[data-test=endpoint-link]"), "href") != "/integrations/webhooks/"+id {
		t.Error("list row does not link to the endpoint")
	}

	// Edit: the form starts from what is saved.
	edit := b.get(attr(p.must("#edit-webhook-link"), "href")).wantStatus(http.StatusOK)
	if attr(edit.must("#webhook-url"), "value") != hook || attr(edit.must("#webhook-description"), "value") != "Order system" {
		t.Error("edit form does not show the saved values")
	}
	if _, ok := attrOK(edit.must("#webhook-event-ticket-closed"), "checked"); !ok {
		t.Error("ticket.closed not checked on the edit form")
	}
	if _, ok := attrOK(edit.must("#webhook-event-customer-created"), "checked"); ok {
		t.Error("customer.created checked on the edit form")
	}
	hook2 := rcv.URL + "/v2/hooks"
	p = b.postForm(edit, "#webhook-form", url.Values{
		"url": {hook2}, "description": {"Order system v2"}, "event_types": {"customer.created"},
	}).wantStatus(http.StatusOK)
	if p.h1() != hook2 || p.text("#webhook-events") != "customer.created" || !strings.Contains(p.url, "notice=webhook_saved") {
		t.Errorf("after edit: %q %q %s", p.h1(), p.text("#webhook-events"), p.url)
	}
	if eps := e.endpoints(ws); len(eps) != 1 || eps[0].URL != hook2 || eps[0].Description != "Order system v2" {
		t.Errorf("stored after edit: %+v", eps)
	}

	// Disable, then enable.
	p = b.submit(p, "#disable-webhook-form", nil, "#disable-webhook").wantStatus(http.StatusOK)
	if p.text("#webhook-status") != "Disabled" || p.find("#webhook-disabled") == nil || p.find("#enable-webhook") == nil {
		t.Errorf("after disable: %q", p.text("#webhook-status"))
	}
	if !strings.Contains(p.text("#webhook-disabled"), "An admin disabled") {
		t.Errorf("disabled note %q", p.text("#webhook-disabled"))
	}
	checkPage(t, "disabled webhook", p)
	if eps := e.endpoints(ws); eps[0].Active {
		t.Error("still active after disable")
	}
	if r := b.get("/integrations/webhooks").must(`tr[data-endpoint-id="` + id + `"] [data-test=endpoint-status]`); text(r) != "Disabled" {
		t.Errorf("list status %q", text(r))
	}
	p = b.submit(p, "#enable-webhook-form", nil, "#enable-webhook").wantStatus(http.StatusOK)
	if p.text("#webhook-status") != "Active" || p.find("#disable-webhook") == nil {
		t.Errorf("after enable: %q", p.text("#webhook-status"))
	}
	if eps := e.endpoints(ws); !eps[0].Active {
		t.Error("not active after enable")
	}

	// Disabled by Tixallo (as the dispatcher does after a 410 or 5 days of
	// failures): the page and the list say why.
	err := e.store.InTx(t.Context(), func(tx helpdesk.Tx) error {
		ep, err := tx.WebhookEndpoint(t.Context(), ws, id)
		if err != nil {
			return err
		}
		now := e.clock.Now()
		ep.Active, ep.DisabledReason, ep.DisabledAt = false, "the endpoint answered 410 Gone", &now
		return tx.UpdateWebhookEndpoint(t.Context(), ep)
	})
	if err != nil {
		t.Fatal(err)
	}
	p = b.get("/integrations/webhooks/" + id)
	if p.text("#webhook-disabled-reason") != "the endpoint answered 410 Gone" || !strings.Contains(p.text("#webhook-disabled"), "Tixallo disabled") {
		t.Errorf("disabled note %q", p.text("#webhook-disabled"))
	}
	if r := b.get("/integrations/webhooks").must(`tr[data-endpoint-id="` + id + `"] [data-test=endpoint-status]`); text(r) != "Disabled: the endpoint answered 410 Gone" {
		t.Errorf("list status %q", text(r))
	}
	p = b.submit(p, "#enable-webhook-form", nil, "#enable-webhook").wantStatus(http.StatusOK)
	if p.find("#webhook-disabled") != nil {
		t.Error("enabled endpoint still shows why it was disabled")
	}

	// Delete: a confirmation page that changes nothing, then the POST.
	confirm := b.get(attr(p.must("#delete-webhook-link"), "href")).wantStatus(http.StatusOK)
	if !strings.Contains(confirm.text("#main"), hook2) {
		t.Error("confirmation does not name the URL")
	}
	if len(e.endpoints(ws)) != 1 {
		t.Fatal("deleted by the GET")
	}
	done := b.submit(confirm, "#delete-webhook-form", nil, "#delete-webhook-confirm").wantStatus(http.StatusOK)
	if !strings.HasSuffix(done.url, "/integrations/webhooks?notice=webhook_deleted") || done.find("#webhooks-empty") == nil {
		t.Errorf("after delete: %s", done.url)
	}
	if len(e.endpoints(ws)) != 0 {
		t.Error("not deleted")
	}
	if r := b.get("/integrations/webhooks/" + id); r.status != http.StatusNotFound {
		t.Errorf("deleted endpoint: %d", r.status)
	}

	audit := tm.owner.get("/audit")
	for _, action := range []string{helpdesk.AuditWebhookCreated, helpdesk.AuditWebhookUpdated, helpdesk.AuditWebhookDisabled, helpdesk.AuditWebhookEnabled, helpdesk.AuditWebhookDeleted} {
		audit.must(`tr[data-action="` + action + `"]`)
	}
}

// TestWebhookFormRefusals: URLs the egress guard refuses, and other bad
// input, come back as field errors with 400 and the typed values kept;
// nothing is saved and nothing is dialled (the URLs are judged by the save
// check with a table for DNS).
func TestWebhookFormRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withStrictEgress())
	b := e.browser()
	b.signup("Ada", "ada@example.com", "A")
	ws := workspaceOf(t, e, "ada@example.com")
	form := b.get("/integrations/webhooks/new")
	for _, c := range []struct{ url, want string }{
		{"http://10.0.0.1/", "must use https"},
		{"https://10.0.0.1/hooks", "not a public internet address"},
		{"https://127.0.0.1:8443/", "not a public internet address"},
		{"https://[::1]/", "not a public internet address"},
		{"https://169.254.169.254/latest/meta-data", "not a public internet address"},
		{"https://intranet.example.com/hooks", "resolves to 10.0.0.5"},
		{"https://unknown.example.com/", "could not be resolved"},
		{"http://hooks.example.com/", "must use https"},
		{"https://hooks.example.com:22/", "reserved for other services"},
		{"https://user:pw@hooks.example.com/", "user name or password"},
		{"ftp://hooks.example.com/", "must start with https://"},
		{"https://2130706433/", "not a public internet address"},
		{"https://0x5db8d70e/", "Write the IP address"},
		{"", ""},
	} {
		p := b.postForm(form, "#webhook-form", url.Values{
			"url": {c.url}, "description": {"Kept description"}, "event_types": {"ticket.closed"},
		})
		if p.status != http.StatusBadRequest {
			t.Errorf("%q: status %d, want 400", c.url, p.status)
			continue
		}
		if msg := p.text("#webhook-url-error"); !strings.Contains(msg, c.want) {
			t.Errorf("%q: error %q, want it to say %q", c.url, msg, c.want)
		}
		if attr(p.must("#webhook-url"), "aria-invalid") != "true" || attr(p.must("#webhook-url"), "value") != c.url {
			t.Errorf("%q: field not marked or value not kept", c.url)
		}
		if attr(p.must("#webhook-description"), "value") != "Kept description" {
			t.Errorf("%q: description not kept", c.url)
		}
		if _, ok := attrOK(p.must("#webhook-event-ticket-closed"), "checked"); !ok {
			t.Errorf("%q: checked event not kept", c.url)
		}
		if _, ok := attrOK(p.must("#webhook-event-ticket-created"), "checked"); ok {
			t.Errorf("%q: unchecked event came back checked", c.url)
		}
		checkPage(t, "refused "+c.url, p)
		checkForms(t, "refused "+c.url, p)
	}
	p := b.postForm(form, "#webhook-form", url.Values{"url": {"https://hooks.example.com/x"}, "event_types": nil})
	if p.status != http.StatusBadRequest || !strings.Contains(p.text("#webhook-event-types-error"), "at least one") {
		t.Errorf("no events: %d", p.status)
	}
	p = b.postForm(form, "#webhook-form", url.Values{"url": {"https://hooks.example.com/x"}, "description": {strings.Repeat("d", 501)}})
	if p.status != http.StatusBadRequest || p.find("#webhook-description-error") == nil {
		t.Errorf("long description: %d", p.status)
	}
	if n := len(e.endpoints(ws)); n != 0 {
		t.Fatalf("%d endpoints saved by refused forms", n)
	}

	// A public https URL is saved (and never sent to: the env has no
	// dispatcher running and this test sends no test event).
	p = b.postForm(form, "#webhook-form", url.Values{"url": {"https://hooks.example.com/tixallo"}, "event_types": {"ticket.created"}}).wantStatus(http.StatusOK)
	id := endpointID(p)
	// The edit form refuses the same way and keeps the stored URL.
	edit := b.get("/integrations/webhooks/" + id + "/edit")
	p = b.postForm(edit, "#webhook-form", url.Values{"url": {"http://10.0.0.1/"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.text("#webhook-url-error"), "https") || attr(p.must("#webhook-url"), "value") != "http://10.0.0.1/" {
		t.Errorf("edit with a refused URL: %d", p.status)
	}
	checkPage(t, "edit refused", p)
	checkForms(t, "edit refused", p)
	if eps := e.endpoints(ws); len(eps) != 1 || eps[0].URL != "https://hooks.example.com/tixallo" {
		t.Errorf("stored after refused edit: %+v", eps)
	}
}

// TestWebhookFormValidatesBeforeSealing: a server without a key still
// answers a bad form with its field errors, not a 500.
func TestWebhookFormValidatesBeforeSealing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withoutSealer(), withStrictEgress())
	b := e.browser()
	b.signup("Ada", "ada@example.com", "A")
	p := b.postForm(b.get("/integrations/webhooks/new"), "#webhook-form", url.Values{"url": {"http://10.0.0.1/"}})
	if p.status != http.StatusBadRequest || p.find("#webhook-url-error") == nil {
		t.Errorf("bad URL without a sealer: %d", p.status)
	}
}

var whsec = regexp.MustCompile(`whsec_[A-Za-z0-9+/]{43}=`)

// TestWebhookSecret: reveal shows a whsec_ secret on a no-store POST
// result, never in a URL or a log line; rotate shows a new one that signs
// alongside the old one for 24 hours.
func TestWebhookSecret(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	e := newEnv(t, withLog(&logs))
	b := e.browser()
	b.signup("Ada", "ada@example.com", "A")
	ws := workspaceOf(t, e, "ada@example.com")
	rcv := newReceiver(t, http.StatusOK, "ok")
	p := b.addWebhook(rcv.URL+"/hooks", "", "ticket.created")
	id := endpointID(p)
	if whsec.MatchString(p.body) {
		t.Error("the endpoint page shows a secret before any reveal")
	}

	s := b.submit(p, "#reveal-secret-form", nil, "#reveal-secret").wantStatus(http.StatusOK)
	checkPage(t, "secret", s)
	checkForms(t, "secret", s)
	if cc := s.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("secret page Cache-Control %q", cc)
	}
	secret := attr(s.must("#webhook-secret-value"), "value")
	if !whsec.MatchString(secret) || len(secret) != 50 {
		t.Fatalf("secret %q", secret)
	}
	if !strings.HasSuffix(s.url, "/integrations/webhooks/"+id+"/secret") {
		t.Errorf("secret page URL %s", s.url)
	}
	s.must("#copy-webhook-secret")
	// The same secret again: revealing does not change it.
	if again := attr(b.submit(p, "#reveal-secret-form", nil, "#reveal-secret").must("#webhook-secret-value"), "value"); again != secret {
		t.Error("a second reveal shows another secret")
	}
	// Sealed at rest.
	stored, err := e.store.WebhookEndpoint(t.Context(), ws, id)
	if err != nil || bytes.Contains(stored.SecretSealed, []byte(secret)) || bytes.Contains(stored.SecretSealed, []byte(secret[6:])) {
		t.Fatalf("secret stored in the clear (%v)", err)
	}

	// Rotate: a new secret, and a note on the 24-hour overlap.
	r := b.submit(p, "#rotate-secret-form", nil, "#rotate-secret").wantStatus(http.StatusOK)
	checkPage(t, "rotated", r)
	if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("rotated page Cache-Control %q", cc)
	}
	rotated := attr(r.must("#webhook-secret-value"), "value")
	if !whsec.MatchString(rotated) || rotated == secret {
		t.Fatalf("rotated secret %q", rotated)
	}
	note := r.text("#webhook-rotated")
	if want := e.clock.Now().Add(helpdesk.WebhookRotationOverlap).UTC().Format("2 Jan 2006, 15:04 UTC"); !strings.Contains(note, "24 hours") || !strings.Contains(note, want) {
		t.Errorf("rotation note %q, want 24 hours and %s", note, want)
	}
	p = b.get("/integrations/webhooks/" + id)
	if !strings.Contains(p.text("#webhook-rotating"), "previous secret also signs") {
		t.Error("endpoint page does not say a rotation is under way")
	}
	if got := attr(b.submit(p, "#reveal-secret-form", nil, "#reveal-secret").must("#webhook-secret-value"), "value"); got != rotated {
		t.Error("reveal after rotation does not show the new secret")
	}

	// During the overlap a test event verifies under either secret.
	b.submit(p, "#send-test-form", nil, "#send-test").wantStatus(http.StatusOK)
	if n := len(rcv.requests()); n != 1 {
		t.Fatalf("receiver got %d requests", n)
	}
	rcv.verify(t, secret)
	rcv.verify(t, rotated)

	// Nowhere else: no page, URL or log line carries either secret.
	for _, path := range []string{"/integrations/webhooks", "/integrations/webhooks/" + id, "/integrations/webhooks/" + id + "/edit", "/integrations/webhooks/" + id + "/delete", "/audit"} {
		if body := b.get(path).body; whsec.MatchString(body) {
			t.Errorf("%s shows a secret", path)
		}
	}
	for _, sec := range []string{secret, rotated} {
		if strings.Contains(logs.String(), sec[6:]) {
			t.Error("a log line holds a webhook secret")
		}
	}
	if !strings.Contains(logs.String(), "/integrations/webhooks/"+id+"/secret") {
		t.Error("the access log did not see the reveal; the check above proves nothing")
	}
	audit := b.get("/audit")
	audit.must(`tr[data-action="` + helpdesk.AuditWebhookRevealed + `"]`)
	audit.must(`tr[data-action="` + helpdesk.AuditWebhookRotated + `"]`)
}

// revealSecret returns the endpoint's signing secret through the reveal
// button of its page.
func (b *browser) revealSecret(id string) string {
	b.t.Helper()
	p := b.get("/integrations/webhooks/" + id)
	return attr(b.submit(p, "#reveal-secret-form", nil, "#reveal-secret").must("#webhook-secret-value"), "value")
}

var latencyText = regexp.MustCompile(`^\d+(\.\d)? ms$|^\d+\.\d\d s$`)

// TestWebhookTestEventAndDeliveryLog: a test event shows the receiver's
// real status, latency and response; real events appear in the deliveries
// and the attempt log, and a resend makes a new attempt.
func TestWebhookTestEventAndDeliveryLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signup("Ada", "ada@example.com", "A")
	// The receiver's answer is longer than the 1 KB the log keeps.
	answer := `{"received":true,"note":"` + strings.Repeat("x", 2000) + `"}`
	rcv := newReceiver(t, http.StatusAccepted, answer)
	p := b.addWebhook(rcv.URL+"/hooks", "Orders", "ticket.created")
	id := endpointID(p)
	secret := b.revealSecret(id)

	p = b.submit(p, "#send-test-form", nil, "#send-test").wantStatus(http.StatusOK)
	checkPage(t, "test result", p)
	checkForms(t, "test result", p)
	res := p.must("#webhook-test-result")
	if attr(res, "data-succeeded") != "true" || text(find(res, "[data-test=test-result]")) != "202 Accepted" {
		t.Errorf("test result %q", text(res))
	}
	if l := text(find(res, "[data-test=test-latency]")); !latencyText.MatchString(l) {
		t.Errorf("latency %q", l)
	}
	if got := textRaw(find(res, "[data-test=test-response]")); got != answer[:helpdesk.WebhookResponseExcerpt] {
		t.Errorf("response excerpt: %d bytes %.40q…", len(got), got)
	}
	got := rcv.requests()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests", len(got))
	}
	rcv.verify(t, secret)
	if !strings.Contains(string(got[0].body), `"event_type":"webhook.test"`) || got[0].header.Get("User-Agent") != "Tixallo-Webhooks/1" {
		t.Errorf("test event %s", got[0].body)
	}
	// The test attempt is in the log too, and has no resend (it is no event).
	row := p.must(`tr[data-test=attempt-row]`)
	if text(find(row, "[data-test=attempt-event-type]")) != helpdesk.EventWebhookTest || text(find(row, "[data-test=attempt-result]")) != "202 Accepted" {
		t.Errorf("log row %q", text(row))
	}
	if p.find(`[data-test=delivery-row]`) != nil {
		t.Error("a test event is listed as a delivery")
	}

	// A real event: delivered by the dispatcher, listed, resent.
	b.newTicket("Printer on fire", "pat@customer.example")
	e.deliver()
	if n := len(rcv.requests()); n != 2 {
		t.Fatalf("receiver got %d requests after a ticket, want 2", n)
	}
	rcv.verify(t, secret)
	p = b.get("/integrations/webhooks/" + id).wantStatus(http.StatusOK)
	checkPage(t, "log", p)
	checkForms(t, "log", p)
	drow := p.must(`tr[data-test=delivery-row]`)
	eventID := attr(drow, "data-event-id")
	if attr(drow, "data-state") != "succeeded" || text(find(drow, "[data-test=delivery-result]")) == "" || text(find(drow, "[data-test=delivery-event-type]")) != "ticket.created" {
		t.Errorf("delivery row %q", text(drow))
	}
	if webhookID := rcv.requests()[1].header.Get("webhook-id"); webhookID != eventID {
		t.Errorf("delivery row event %s, receiver got webhook-id %s", eventID, webhookID)
	}
	attempts := func(p *page) []*html.Node {
		return p.findAll(`tr[data-test=attempt-row][data-event-id="` + eventID + `"]`)
	}
	if n := len(attempts(p)); n != 1 {
		t.Fatalf("%d attempts of the event", n)
	}
	if r := text(find(attempts(p)[0], "[data-test=attempt-result]")); r != "202 Accepted" {
		t.Errorf("attempt result %q", r)
	}
	if l := text(find(attempts(p)[0], "[data-test=attempt-latency]")); !latencyText.MatchString(l) {
		t.Errorf("attempt latency %q", l)
	}
	if ex := textRaw(find(attempts(p)[0], "details [data-test=attempt-response]")); len(ex) != helpdesk.WebhookResponseExcerpt {
		t.Errorf("attempt response excerpt of %d bytes", len(ex))
	}

	p = b.submit(p, `tr[data-event-id="`+eventID+`"] form[data-test=resend-form]`, nil, "[data-test=resend]").wantStatus(http.StatusOK)
	if !strings.Contains(p.url, "notice=webhook_resent") || attr(p.must(`tr[data-test=delivery-row]`), "data-state") != "pending" {
		t.Errorf("after resend: %s, state %s", p.url, attr(p.must(`tr[data-test=delivery-row]`), "data-state"))
	}
	e.deliver()
	p = b.get("/integrations/webhooks/" + id)
	if n := len(attempts(p)); n != 2 {
		t.Errorf("%d attempts of the event after a resend, want 2", n)
	}
	if got := rcv.requests(); len(got) != 3 || got[2].header.Get("webhook-id") != eventID {
		t.Errorf("receiver: %d requests", len(got))
	}
	b.get("/audit").must(`tr[data-action="` + helpdesk.AuditWebhookResent + `"]`)

	// A receiver that fails, and one that is not there, are shown as such.
	rcv.mu.Lock()
	rcv.status, rcv.body = http.StatusInternalServerError, "boom"
	rcv.mu.Unlock()
	p = b.submit(p, "#send-test-form", nil, "#send-test")
	if res := p.must("#webhook-test-result"); attr(res, "data-succeeded") != "false" || text(find(res, "[data-test=test-result]")) != "500 Internal Server Error" || text(find(res, "[data-test=test-response]")) != "boom" {
		t.Errorf("failed test %q", text(res))
	}
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	p = b.submit(b.get("/integrations/webhooks/"+id+"/edit"), "#webhook-form", map[string]string{"url": deadURL}, "#webhook-submit")
	p = b.submit(p, "#send-test-form", nil, "#send-test").wantStatus(http.StatusOK)
	if r := text(find(p.must("#webhook-test-result"), "[data-test=test-result]")); !strings.Contains(r, "refused") {
		t.Errorf("unreachable receiver: %q", r)
	}

	// Disabled: no resend buttons, and a resend is refused.
	p = b.submit(p, "#disable-webhook-form", nil, "#disable-webhook")
	if p.find("form[data-test=resend-form]") != nil {
		t.Error("resend offered on a disabled endpoint")
	}
	r := b.postRaw("/integrations/webhooks/"+id+"/resend", url.Values{"csrf_token": {p.csrf()}, "event_id": {eventID}})
	if r.status != http.StatusConflict || !strings.Contains(r.text("#error-message"), "Enable the endpoint") {
		t.Errorf("resend to a disabled endpoint: %d", r.status)
	}
}

// TestWebhookLogPaging: the attempt log pages 25 at a time, newest first.
func TestWebhookLogPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signup("Ada", "ada@example.com", "A")
	rcv := newReceiver(t, http.StatusOK, "ok")
	p := b.addWebhook(rcv.URL, "", "ticket.created")
	id := endpointID(p)
	for range 27 {
		e.clock.Advance(1e9)
		p = b.submit(p, "#send-test-form", nil, "#send-test").wantStatus(http.StatusOK)
	}
	p = b.get("/integrations/webhooks/" + id)
	if n := len(p.findAll(`tr[data-test=attempt-row]`)); n != 25 {
		t.Errorf("first page: %d attempts", n)
	}
	if p.find("#webhook-log-newest") != nil {
		t.Error("first page links to the newest page")
	}
	older := b.get(attr(p.must("#attempts-older"), "href")).wantStatus(http.StatusOK)
	checkPage(t, "older attempts", older)
	if n := len(older.findAll(`tr[data-test=attempt-row]`)); n != 2 {
		t.Errorf("second page: %d attempts", n)
	}
	if older.find("#attempts-older") != nil || attr(older.must("#webhook-log-newest"), "href") != "/integrations/webhooks/"+id {
		t.Error("second page links")
	}
	first, second := p.findAll(`tr[data-test=attempt-row] time`), older.findAll(`tr[data-test=attempt-row] time`)
	if attr(first[0], "datetime") < attr(first[24], "datetime") || attr(first[24], "datetime") < attr(second[0], "datetime") {
		t.Error("attempts are not newest first")
	}
	for _, q := range []string{"?before=nope", "?deliveries_before=1%27"} {
		if r := b.get("/integrations/webhooks/" + id + q); r.status != http.StatusBadRequest {
			t.Errorf("%s: %d", q, r.status)
		}
	}
}
