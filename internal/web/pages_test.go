package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// seeded is a workspace with a bit of everything, for page-by-page checks.
type seeded struct {
	*team
	customerID, companyID, keyID, agentID string
	// inboxID is a second inbox, not the default; inviteID a pending invite.
	inboxID, inviteID string
	// endpointID is a webhook endpoint that received the seeded tickets'
	// events at rcv; eventID is one of them.
	endpointID, eventID string
	rcv                 *receiver
}

func seed(t *testing.T, e *env) *seeded {
	t.Helper()
	s := &seeded{team: e.team("Acme")}
	// The endpoint comes first so the tickets below fill its delivery log.
	// Its description would be an inline script if a page failed to escape
	// it, which checkPage refuses.
	s.rcv = newReceiver(t, http.StatusOK, "ok")
	s.endpointID = endpointID(s.owner.addWebhook(s.rcv.URL+"/hooks", `Order system <script>alert("hook")</script>`, "ticket.created", "ticket.message.created"))
	s.owner.newTicket("Printer on fire", "pat@customer.example")
	p := s.owner.newTicket("Cannot log in", "pat@customer.example")
	p = s.owner.submit(p, "#reply-form", map[string]string{"body": "We're on it."}, "#send-reply")
	s.owner.submit(p, "#reply-form", map[string]string{"body": "Looks like a password reset loop."}, "#add-note")
	s.customerID = strings.TrimPrefix(attr(p.must("#customer-link"), "href"), "/customers/")
	co := s.owner.submit(s.owner.get("/companies"), "#company-form", map[string]string{"name": "Customer Ltd", "domain": "customer.example"}, "#create-company-submit")
	s.companyID = strings.TrimPrefix(co.url[strings.Index(co.url, "/companies/"):], "/companies/")
	s.companyID, _, _ = strings.Cut(s.companyID, "?")
	kp := s.owner.submit(s.owner.get("/integrations/keys/new"), "#create-key-form", map[string]string{"name": "Website"}, "#create-key-submit")
	s.keyID = strings.TrimSuffix(strings.TrimPrefix(kp.text("#new-key-display"), "tix_"), "…")
	for _, row := range s.owner.get("/team").findAll(`tr[data-test=member-row]`) {
		if attr(row, "data-role") == "agent" {
			s.agentID = attr(row, "data-user-id")
		}
	}
	inb := s.owner.submit(s.owner.get("/inboxes"), "#inbox-form", map[string]string{"name": "Billing"}, "#create-inbox-submit")
	for _, row := range inb.findAll(`tr[data-test=inbox-row]`) {
		if find(row, "[data-test=default-badge]") == nil {
			s.inboxID = attr(row, "data-inbox-id")
		}
	}
	s.owner.invite("pending@example.com", helpdesk.RoleAgent)
	s.inviteID = attr(s.owner.get("/team").must(`tr[data-test=invite-row]`), "data-invite-id")
	e.deliver()
	s.eventID = attr(s.owner.get("/integrations/webhooks/"+s.endpointID).must(`tr[data-test=delivery-row]`), "data-event-id")
	for name, v := range map[string]string{"inbox": s.inboxID, "invite": s.inviteID, "event": s.eventID} {
		if v == "" {
			t.Fatalf("seed: no %s id", name)
		}
	}
	return s
}

// pages lists every GET page of the app with the status each role gets.
func (s *seeded) pages() []struct {
	path    string
	manager bool // owners and admins only
} {
	hook := "/integrations/webhooks/" + s.endpointID
	return []struct {
		path    string
		manager bool
	}{
		{"/tickets", false},
		{"/tickets?status=all&priority=medium&assignee=none&q=printer", false},
		{"/tickets/new", false},
		{"/tickets/1", false},
		{"/tickets/2", false},
		{"/customers", false},
		{"/customers?q=pat", false},
		{"/customers/" + s.customerID, false},
		{"/companies", false},
		{"/companies/" + s.companyID, false},
		{"/inboxes", false},
		{"/team", false},
		{"/account", false},
		{"/integrations", true},
		{"/integrations/keys/new", true},
		{"/integrations/keys/" + s.keyID + "/revoke", true},
		{"/team/members/" + s.agentID + "/remove", true},
		{"/integrations/webhooks", true},
		{"/integrations/webhooks/new", true},
		{hook, true},
		{hook + "/edit", true},
		{hook + "/delete", true},
		{"/audit", true},
	}
}

// actions lists every POST that only owners and admins may make, each with
// a form they would get accepted.
func (s *seeded) actions() []struct {
	path string
	form url.Values
} {
	hook := "/integrations/webhooks/" + s.endpointID
	return []struct {
		path string
		form url.Values
	}{
		{"/inboxes", url.Values{"name": {"Refused"}}},
		{"/inboxes/" + s.inboxID + "/rename", url.Values{"name": {"Refused"}}},
		{"/inboxes/" + s.inboxID + "/default", url.Values{}},
		{"/team/invites", url.Values{"email": {"refused@example.com"}, "role": {"agent"}}},
		{"/team/invites/" + s.inviteID + "/revoke", url.Values{}},
		{"/team/members/" + s.agentID + "/role", url.Values{"role": {"admin"}}},
		{"/team/members/" + s.agentID + "/remove", url.Values{}},
		{"/integrations/keys/new", url.Values{"name": {"Refused"}, "scope": {"read_write"}, "expires": {"never"}}},
		{"/integrations/keys/" + s.keyID + "/revoke", url.Values{}},
		{"/integrations/webhooks/new", url.Values{"url": {"http://127.0.0.1:1/refused"}, "event_types": {"ticket.created"}}},
		{hook + "/edit", url.Values{"url": {"http://127.0.0.1:1/refused"}, "event_types": {"ticket.closed"}}},
		{hook + "/disable", url.Values{}},
		{hook + "/enable", url.Values{}},
		{hook + "/secret", url.Values{}},
		{hook + "/rotate", url.Values{}},
		{hook + "/test", url.Values{}},
		{hook + "/resend", url.Values{"event_id": {s.eventID}}},
		{hook + "/delete", url.Values{}},
	}
}

func TestEveryPageRendersForEachRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := seed(t, e)
	for _, role := range []struct {
		name    string
		b       *browser
		manager bool
	}{{"owner", s.owner, true}, {"admin", s.admin, true}, {"agent", s.agent, false}} {
		for _, pg := range s.pages() {
			p := role.b.get(pg.path)
			want := http.StatusOK
			if pg.manager && !role.manager {
				want = http.StatusForbidden
			}
			if p.status != want {
				t.Errorf("%s GET %s: status %d, want %d", role.name, pg.path, p.status, want)
				continue
			}
			checkPage(t, role.name+" "+pg.path, p)
			if want == http.StatusForbidden {
				if p.find("#error-page") == nil || !strings.Contains(p.h1(), "access") {
					t.Errorf("%s GET %s: 403 without the friendly page", role.name, pg.path)
				}
			}
			if role.b.get(pg.path).find("#current-user") == nil {
				t.Errorf("%s GET %s: no layout", role.name, pg.path)
			}
		}
	}
	// Agents do not see the manager entries in the navigation.
	if p := s.agent.get("/tickets"); p.find("#nav-integrations") != nil || p.find("#nav-audit") != nil {
		t.Error("agent navigation shows Integrations or Audit log")
	}
	for _, id := range []string{"#nav-tickets", "#nav-customers", "#nav-companies", "#nav-inboxes", "#nav-team", "#nav-integrations", "#nav-audit", "#logout-button", "#workspace-name"} {
		s.owner.get("/tickets").must(id)
	}
}

// TestManagerActionsAreRefused: every owner/admin POST answers an agent
// with the friendly 403 page, and an owner without the form token with a
// 403 too; none of them changes anything a page shows, touches the
// endpoint's secret, or sends a webhook.
func TestManagerActionsAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := seed(t, e)
	ws := workspaceOf(t, e, "acme-owner@example.com")
	shown := func() map[string]string {
		out := map[string]string{}
		for _, pg := range s.pages() {
			out[pg.path] = s.owner.get(pg.path).wantStatus(http.StatusOK).body
		}
		return out
	}
	before := shown()
	endpoint, err := e.store.WebhookEndpoint(t.Context(), ws, s.endpointID)
	if err != nil {
		t.Fatal(err)
	}
	sent := len(s.rcv.requests())

	agentToken := s.agent.get("/tickets").csrf()
	for _, a := range s.actions() {
		vals := cloneForm(a.form)
		vals.Set("csrf_token", agentToken)
		p := s.agent.postRaw(a.path, vals)
		if p.status != http.StatusForbidden {
			t.Errorf("agent POST %s: %d, want 403", a.path, p.status)
			continue
		}
		checkPage(t, "agent POST "+a.path, p)
		if p.find("#error-page") == nil || !strings.Contains(p.h1(), "access") {
			t.Errorf("agent POST %s: 403 without the friendly page", a.path)
		}
		if p := s.owner.postRaw(a.path, a.form); p.status != http.StatusForbidden {
			t.Errorf("owner POST %s without a form token: %d, want 403", a.path, p.status)
		}
	}

	e.deliver()
	if n := len(s.rcv.requests()); n != sent {
		t.Errorf("refused requests sent %d webhooks", n-sent)
	}
	for path, body := range shown() {
		if body != before[path] {
			t.Errorf("GET %s changed after the refused POSTs", path)
		}
	}
	after, err := e.store.WebhookEndpoint(t.Context(), ws, s.endpointID)
	if err != nil || !after.Active || after.URL != endpoint.URL || !bytes.Equal(after.SecretSealed, endpoint.SecretSealed) || !after.UpdatedAt.Equal(endpoint.UpdatedAt) {
		t.Errorf("endpoint changed: %+v %v", after, err)
	}
}

func TestLoggedOutPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	for _, path := range []string{"/login", "/signup", "/no-such-page", "/invite/not-a-token"} {
		p := b.get(path)
		checkPage(t, path, p)
	}
	if p := b.raw("/tickets"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/login?next=%2Ftickets" {
		t.Errorf("logged-out /tickets: %d → %q", p.status, p.header.Get("Location"))
	}
	if p := b.raw("/"); p.header.Get("Location") != "/login" {
		t.Errorf("logged-out / → %q", p.header.Get("Location"))
	}
	if p := b.get("/no-such-page"); p.status != http.StatusNotFound || p.find("#error-page") == nil {
		t.Errorf("unknown page: %d", p.status)
	}
	if p := b.get("/invite/not-a-token"); p.status != http.StatusNotFound || !strings.Contains(p.text("#error-message"), "not valid") {
		t.Errorf("bad invite: %d %q", p.status, p.body)
	}
}

// checkPage asserts what every HTML page must have: the security headers,
// lang, exactly one h1, a label for every control, no positive tabindex,
// buttons that are <button>, and no inline script or style (the CSP would
// block them).
func checkPage(t *testing.T, name string, p *page) {
	t.Helper()
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
		"Content-Type":            "text/html; charset=utf-8",
	} {
		if got := p.header.Get(h); got != want {
			t.Errorf("%s: %s = %q, want %q", name, h, got, want)
		}
	}
	if htmlEl := p.find("html"); attr(htmlEl, "lang") != "en" {
		t.Errorf("%s: <html> without lang=en", name)
	}
	if n := len(p.findAll("h1")); n != 1 {
		t.Errorf("%s: %d h1 elements, want 1", name, n)
	}
	if p.find("a.skip-link[href=#main]") == nil || p.find("#main") == nil {
		t.Errorf("%s: no skip link to #main", name)
	}
	labels := map[string]bool{}
	for _, l := range p.findAll("label") {
		labels[attr(l, "for")] = true
	}
	ids := map[string]int{}
	walk(p.doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if id := attr(n, "id"); id != "" {
			ids[id]++
		}
		if ti, ok := attrOK(n, "tabindex"); ok && ti != "0" && ti != "-1" {
			t.Errorf("%s: <%s> has tabindex %q", name, n.Data, ti)
		}
		if _, ok := attrOK(n, "style"); ok {
			t.Errorf("%s: <%s> has an inline style", name, n.Data)
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") {
				t.Errorf("%s: <%s> has an inline handler %s", name, n.Data, a.Key)
			}
		}
		switch n.Data {
		case "style":
			t.Errorf("%s: inline <style>", name)
		case "script":
			if attr(n, "src") == "" {
				t.Errorf("%s: inline <script>", name)
			}
		case "input", "select", "textarea":
			typ := attr(n, "type")
			if typ == "hidden" {
				return
			}
			if typ == "submit" || typ == "button" || typ == "image" || typ == "reset" {
				t.Errorf("%s: <input type=%s>; buttons must be <button>", name, typ)
				return
			}
			id := attr(n, "id")
			if id == "" || !labels[id] {
				t.Errorf("%s: <%s name=%q id=%q> has no <label for>", name, n.Data, attr(n, "name"), id)
			}
		case "button":
			if attr(n, "type") == "" {
				t.Errorf("%s: <button> %q without a type", name, text(n))
			}
		}
	})
	for id, n := range ids {
		if n > 1 {
			t.Errorf("%s: id %q used %d times", name, id, n)
		}
	}
}

func TestStaticAssets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.get("/login")
	css := attr(p.must(`link[rel=stylesheet]`), "href")
	js := attr(p.must(`script[src]`), "src")
	for _, u := range []string{css, js} {
		r := b.raw(u)
		if r.status != http.StatusOK || !strings.Contains(r.header.Get("Cache-Control"), "immutable") || r.header.Get("ETag") == "" {
			t.Errorf("%s: %d %q", u, r.status, r.header.Get("Cache-Control"))
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", u)
		}
	}
	if ct := b.raw(css).header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("css content type %q", ct)
	}
	if r := b.raw("/static/app.css"); r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-cache" {
		t.Errorf("plain name: %d %q", r.status, r.header.Get("Cache-Control"))
	}
	if r := b.raw("/static/nope.css"); r.status != http.StatusNotFound {
		t.Errorf("unknown asset: %d", r.status)
	}
	// The style sheet must not load anything from elsewhere.
	if body := b.raw(css).body; strings.Contains(body, "@import") || strings.Contains(body, "url(http") {
		t.Error("the style sheet loads external resources")
	}
}

func TestGettingStartedAfterSignup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.signup("Ada Lovelace", "ada@example.com", "Analytical Support")
	if got := p.h1(); got != "Tickets" {
		t.Errorf("h1 %q", got)
	}
	if got := p.text("#workspace-name"); got != "Analytical Support" {
		t.Errorf("workspace name %q", got)
	}
	p.must("#getting-started")
	if href := attr(p.must("#gs-create-key"), "href"); href != "/integrations/keys/new" {
		t.Errorf("create key link %q", href)
	}
	curl := p.text("#curl-example")
	if !strings.Contains(curl, e.srv.URL+"/api/v1/tickets") || !strings.Contains(curl, "Authorization: Bearer") {
		t.Errorf("curl example %q", curl)
	}
	// The default inbox exists and the user is its workspace's owner.
	if got := b.get("/inboxes").findAll(`tr[data-test=inbox-row] [data-test=default-badge]`); len(got) != 1 {
		t.Errorf("%d default inboxes", len(got))
	}
	if got := p.text("#current-role"); got != "Owner" {
		t.Errorf("role %q", got)
	}
	// Once there is a ticket the panel makes room for the list.
	p = b.newTicket("First", "c@example.com")
	if b.get("/tickets").find("#getting-started") != nil {
		t.Error("getting-started panel still shown with a ticket")
	}
}

func TestSignupValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	form := b.get("/signup")
	p := b.submit(form, "#signup-form", map[string]string{
		"name": "", "email": "not-an-email", "password": "short", "workspace_name": "W",
	}, "#signup-submit")
	p.wantStatus(http.StatusBadRequest)
	checkPage(t, "signup errors", p)
	for _, id := range []string{"#signup-name-error", "#signup-email-error", "#signup-password-error"} {
		p.must(id)
	}
	if attr(p.must("#signup-email"), "aria-invalid") != "true" {
		t.Error("invalid field not marked aria-invalid")
	}
	if attr(p.must("#signup-email"), "value") != "not-an-email" {
		t.Error("typed email not kept")
	}
	if attr(p.must("#signup-password"), "value") != "" {
		t.Error("password echoed back")
	}
	// Common and context passwords are refused.
	for _, pw := range []string{"passwordpassword", "Correct Horse Battery Staple", "aaaaaaaaaaaaaaaaaaaa", "grace@example.com"} {
		p = b.submit(form, "#signup-form", map[string]string{
			"name": "Grace", "email": "grace@example.com", "password": pw, "workspace_name": "Navy",
		}, "#signup-submit")
		if p.status != http.StatusBadRequest || p.find("#signup-password-error") == nil {
			t.Errorf("password %q accepted (%d)", pw, p.status)
		}
	}
	b.signup("Grace", "grace@example.com", "Navy")
	// The same email again is refused with a message next to the field.
	p = e.browser().get("/signup")
	p = e.browser().submit(p, "#signup-form", map[string]string{
		"name": "Other", "email": "GRACE@example.com", "password": testPassword, "workspace_name": "Other",
	}, "#signup-submit")
	if p.status != http.StatusBadRequest || !strings.Contains(p.text("#signup-email-error"), "already exists") {
		t.Errorf("duplicate email: %d", p.status)
	}
}

func TestErrorPagesMapCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signup("Ada", "ada@example.com", "A")
	for path, want := range map[string]int{
		"/tickets/999":                       http.StatusNotFound,
		"/tickets/abc":                       http.StatusNotFound,
		"/tickets/0":                         http.StatusNotFound,
		"/customers/nope":                    http.StatusNotFound,
		"/companies/nope":                    http.StatusNotFound,
		"/integrations/keys/AAAAAAAA/revoke": http.StatusNotFound,
		"/team/members/nope/remove":          http.StatusNotFound,
		"/integrations/webhooks/nope":        http.StatusNotFound,
		"/integrations/webhooks/nope/edit":   http.StatusNotFound,
		"/integrations/webhooks/nope/delete": http.StatusNotFound,
		"/tickets?status=bogus":              http.StatusBadRequest,
		"/tickets?before=x":                  http.StatusBadRequest,
		"/audit?before=x":                    http.StatusBadRequest,
	} {
		p := b.get(path)
		if p.status != want {
			t.Errorf("%s: %d, want %d", path, p.status, want)
		}
		checkPage(t, path, p)
	}
}
