package web_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/tixallo/tixallo/internal/egress"
	"github.com/tixallo/tixallo/internal/fakeclock"
	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/httpserver"
	"github.com/tixallo/tixallo/internal/metrics"
	"github.com/tixallo/tixallo/internal/serverkey"
	"github.com/tixallo/tixallo/internal/store/teststore"
	"github.com/tixallo/tixallo/internal/web"
	"github.com/tixallo/tixallo/internal/webhook"
)

// env is one Tixallo server with the real router, a real SQLite database in
// a temporary directory and a fake clock. Webhooks are wired as in
// production (a server key seals secrets, the egress client sends), except
// that private addresses are allowed so receivers can be httptest servers,
// and a guard refuses any URL that is not loopback before it is dialled.
// The dispatcher does not run by itself: tests call deliver.
type env struct {
	t          *testing.T
	svc        *helpdesk.Service
	store      helpdesk.Store
	clock      *fakeclock.Clock
	srv        *httptest.Server
	dispatcher *webhook.Dispatcher
}

type envOption func(*web.Options, *envConfig)

type envConfig struct {
	tls      bool
	log      io.Writer // every log line at Info and above, when set
	egress   egress.Options
	noSealer bool
}

// withStrictEgress saves webhook URLs under the production rules (https,
// public addresses only), judging names by a fixed table instead of DNS.
// Nothing is sent in such an env: the only URLs it accepts are public ones,
// and the loopback guard refuses those.
func withStrictEgress() envOption {
	return func(_ *web.Options, c *envConfig) {
		c.egress = egress.Options{Resolver: tableResolver{
			"hooks.example.com":    {netip.MustParseAddr("93.184.215.14")},
			"intranet.example.com": {netip.MustParseAddr("10.0.0.5")},
		}}
	}
}

// withoutSealer leaves the Service without a server key, as a
// misconfigured install would be.
func withoutSealer() envOption {
	return func(_ *web.Options, c *envConfig) { c.noSealer = true }
}

// withLog sends every log line, the access log included, to w.
func withLog(w io.Writer) envOption {
	return func(_ *web.Options, c *envConfig) { c.log = w }
}

func withTrustProxy() envOption {
	return func(o *web.Options, _ *envConfig) { o.TrustProxy = true }
}

func withTLS() envOption {
	return func(_ *web.Options, c *envConfig) { c.tls = true }
}

func withOptions(fn func(*web.Options)) envOption {
	return func(o *web.Options, _ *envConfig) { fn(o) }
}

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	store := teststore.Open(t, teststore.Options{}).Store // SQLite, or PostgreSQL on the second run
	clk := fakeclock.New(time.Now().UTC().Truncate(time.Second))
	o := web.Options{Now: clk.Now}
	cfg := envConfig{egress: egress.Options{AllowPrivate: true}}
	for _, fn := range opts {
		fn(&o, &cfg)
	}
	// Warnings and errors reach the test log, shown when a test fails.
	var log *slog.Logger
	if cfg.log != nil {
		log = slog.New(slog.NewTextHandler(cfg.log, nil))
	} else {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	key, err := serverkey.New([]byte("tixallo web tests: 32 byte key.."))
	if err != nil {
		t.Fatal(err)
	}
	sender := loopbackOnly{next: webhook.NewSender(egress.NewClient(cfg.egress))}
	wh := helpdesk.WebhookOptions{Sealer: key, Sender: sender, Egress: cfg.egress}
	if cfg.noSealer {
		wh.Sealer = nil
	}
	svc := helpdesk.NewService(store, helpdesk.Options{Now: clk.Now, Logger: log, Webhooks: wh})
	dispatcher := webhook.New(webhook.Options{Store: store, Sealer: key, Sender: sender, Logger: log, Now: clk.Now})
	o.Service, o.Logger = svc, log
	app := web.New(o)
	h := httpserver.New(httpserver.Options{
		Logger: log, Metrics: metrics.NewRegistry(), TrustProxy: o.TrustProxy,
		Ready: store.Ping, Mount: []httpserver.Mounter{app},
	})
	var srv *httptest.Server
	if cfg.tls {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return &env{t: t, svc: svc, store: store, clock: clk, srv: srv, dispatcher: dispatcher}
}

// deliver runs the webhook dispatcher until nothing is due: events fan out
// to the endpoints that subscribe, and every due attempt is made and logged.
func (e *env) deliver() {
	e.t.Helper()
	if err := e.dispatcher.Drain(e.t.Context()); err != nil {
		e.t.Fatalf("deliver webhooks: %v", err)
	}
}

// loopbackOnly sends webhooks to loopback IP addresses only; any
// other URL fails like an unreachable host, so no test can reach past the
// machine whatever an endpoint says.
type loopbackOnly struct{ next helpdesk.WebhookSender }

func (l loopbackOnly) SendWebhook(ctx context.Context, m helpdesk.WebhookMessage) helpdesk.WebhookResult {
	u, err := url.Parse(m.URL)
	if err != nil {
		return helpdesk.WebhookResult{Error: "test harness: bad URL"}
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err != nil || !ip.IsLoopback() {
		return helpdesk.WebhookResult{Error: "test harness: not a loopback address"}
	}
	return l.next.SendWebhook(ctx, m)
}

// tableResolver answers from a fixed table and fails every other name, so
// no test asks real DNS.
type tableResolver map[string][]netip.Addr

func (r tableResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// page is one response, parsed.
type page struct {
	t      *testing.T
	status int
	header http.Header
	url    string
	body   string
	doc    *html.Node
}

func (p *page) find(sel string) *html.Node      { return find(p.doc, sel) }
func (p *page) findAll(sel string) []*html.Node { return findAll(p.doc, sel) }
func (p *page) must(sel string) *html.Node      { p.t.Helper(); return must(p.t, p.doc, sel) }
func (p *page) text(sel string) string          { p.t.Helper(); return text(p.must(sel)) }
func (p *page) wantStatus(code int) *page {
	p.t.Helper()
	if p.status != code {
		p.t.Fatalf("%s: status %d, want %d; page:\n%s", p.url, p.status, code, abbreviate(p.body))
	}
	return p
}

func (p *page) h1() string { p.t.Helper(); return p.text("h1") }

func abbreviate(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// browser is a cookie-keeping client that does not follow redirects by
// itself, so tests see every hop.
type browser struct {
	t      *testing.T
	env    *env
	client *http.Client
	// header is added to every request (X-Forwarded-For, Sec-Fetch-Site…).
	header http.Header
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	client := e.srv.Client()
	c := &http.Client{
		Transport: client.Transport,
		Jar:       jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return &browser{t: e.t, env: e, client: c, header: http.Header{}}
}

func (b *browser) abs(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return b.env.srv.URL + path
}

// do sends one request and parses the response.
func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	for k, vs := range b.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("read %s: %v", req.URL, err)
	}
	doc, err := html.Parse(strings.NewReader(string(body)))
	if err != nil {
		b.t.Fatalf("parse %s: %v", req.URL, err)
	}
	return &page{t: b.t, status: resp.StatusCode, header: resp.Header, url: req.URL.String(), body: string(body), doc: doc}
}

// raw GETs one URL without following redirects.
func (b *browser) raw(path string) *page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.abs(path), nil)
	return b.do(req)
}

// get GETs a page, following redirects.
func (b *browser) get(path string) *page {
	b.t.Helper()
	return b.follow(b.raw(path))
}

func (b *browser) follow(p *page) *page {
	b.t.Helper()
	for i := 0; i < 10 && p.status >= 300 && p.status < 400; i++ {
		loc := p.header.Get("Location")
		if loc == "" {
			b.t.Fatalf("%s: redirect without Location", p.url)
		}
		u, _ := url.Parse(p.url)
		next, _ := u.Parse(loc)
		p = b.raw(next.String())
	}
	return p
}

// postRaw POSTs form values without following redirects.
func (b *browser) postRaw(path string, values url.Values, headers ...string) *page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.abs(path), strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// formValues collects what a browser would send for a form: its inputs,
// selects (selected or first option), textareas and checked radios and
// checkboxes. Buttons are added by submit.
func formValues(form *html.Node) url.Values {
	v := url.Values{}
	walk(form, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		name := attr(n, "name")
		if name == "" {
			return
		}
		if _, disabled := attrOK(n, "disabled"); disabled {
			return
		}
		switch n.Data {
		case "input":
			switch attr(n, "type") {
			case "submit", "button", "image", "reset":
			case "radio", "checkbox":
				if _, ok := attrOK(n, "checked"); ok {
					v.Add(name, orOn(attr(n, "value")))
				}
			default:
				v.Add(name, attr(n, "value"))
			}
		case "textarea":
			v.Add(name, textRaw(n))
		case "select":
			opts := findAll(n, "option")
			var chosen *html.Node
			for _, o := range opts {
				if _, ok := attrOK(o, "selected"); ok {
					chosen = o
				}
			}
			if chosen == nil && len(opts) > 0 {
				chosen = opts[0]
			}
			if chosen != nil {
				val, ok := attrOK(chosen, "value")
				if !ok {
					val = text(chosen)
				}
				v.Add(name, val)
			}
		}
	})
	return v
}

func orOn(s string) string {
	if s == "" {
		return "on"
	}
	return s
}

func textRaw(n *html.Node) string {
	var b strings.Builder
	walk(n, func(x *html.Node) {
		if x.Type == html.TextNode {
			b.WriteString(x.Data)
		}
	})
	return b.String()
}

// submit fills the form that formSel finds on p with set, presses the
// button that buttonSel finds in it (its name=value is sent), and follows
// the redirect. Fields not in set keep what the page gave them, hidden CSRF
// token included: this is what a browser does.
func (b *browser) submit(p *page, formSel string, set map[string]string, buttonSel string) *page {
	b.t.Helper()
	form := p.must(formSel)
	vals := formValues(form)
	for k, val := range set {
		vals.Set(k, val)
	}
	if buttonSel != "" {
		btn := must(b.t, form, buttonSel)
		if btn.Data != "button" {
			b.t.Fatalf("%s is a <%s>, not a <button>", buttonSel, btn.Data)
		}
		if name := attr(btn, "name"); name != "" {
			vals.Set(name, attr(btn, "value"))
		}
	}
	if m := strings.ToLower(attr(form, "method")); m != "post" {
		b.t.Fatalf("form %s has method %q", formSel, m)
	}
	action := attr(form, "action")
	u, _ := url.Parse(p.url)
	target, _ := u.Parse(action)
	return b.follow(b.postRaw(target.String(), vals))
}

// csrf returns the form token of the logged-in page p.
func (p *page) csrf() string {
	p.t.Helper()
	n := p.find(`input[name=csrf_token]`)
	if n == nil {
		p.t.Fatalf("%s: no csrf_token on the page", p.url)
	}
	return attr(n, "value")
}

// cookie returns the browser's cookie of this name for the server, or nil.
func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.env.srv.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// --- account helpers ---

const testPassword = "correct violet staple engine"

// signup creates a workspace through the real sign-up form and returns the
// page it lands on.
func (b *browser) signup(name, email, workspace string) *page {
	b.t.Helper()
	form := b.get("/signup").wantStatus(http.StatusOK)
	p := b.submit(form, "#signup-form", map[string]string{
		"name": name, "email": email, "password": testPassword, "workspace_name": workspace,
	}, "#signup-submit")
	p.wantStatus(http.StatusOK)
	if !strings.HasPrefix(p.url, b.env.srv.URL+"/tickets") {
		b.t.Fatalf("sign-up landed on %s, want /tickets", p.url)
	}
	return p
}

// login logs in through the real form. A browser that is logged in already
// is sent on by GET /login, so it posts the same fields directly.
func (b *browser) login(email, password string) *page {
	b.t.Helper()
	form := b.get("/login")
	if form.find("#login-form") == nil {
		return b.follow(b.postRaw("/login", url.Values{"email": {email}, "password": {password}}))
	}
	return b.submit(form, "#login-form", map[string]string{"email": email, "password": password}, "#login-submit")
}

// invite creates an invite link through the team page and returns it.
func (b *browser) invite(email string, role helpdesk.Role) string {
	b.t.Helper()
	p := b.submit(b.get("/team"), "#invite-form", map[string]string{"email": email, "role": string(role)}, "#invite-submit")
	p.wantStatus(http.StatusOK)
	link := attr(p.must("#invite-link"), "value")
	if !strings.Contains(link, "/invite/") {
		b.t.Fatalf("invite link %q", link)
	}
	return link
}

// accept opens an invite link in a fresh browser and creates the account.
func (e *env) accept(link, name string) *browser {
	e.t.Helper()
	b := e.browser()
	p := b.get(link).wantStatus(http.StatusOK)
	p = b.submit(p, "#accept-invite-form", map[string]string{"name": name, "password": testPassword}, "#accept-invite-submit")
	p.wantStatus(http.StatusOK)
	if !strings.Contains(p.url, "/tickets") {
		e.t.Fatalf("accepting landed on %s", p.url)
	}
	return b
}

// team is a workspace with an owner, an admin and an agent, each logged in.
type team struct {
	owner, admin, agent *browser
	workspace           string
}

func (e *env) team(prefix string) *team {
	e.t.Helper()
	owner := e.browser()
	owner.signup(prefix+" Owner", strings.ToLower(prefix)+"-owner@example.com", prefix+" Workspace")
	admin := e.accept(owner.invite(strings.ToLower(prefix)+"-admin@example.com", helpdesk.RoleAdmin), prefix+" Admin")
	agent := e.accept(owner.invite(strings.ToLower(prefix)+"-agent@example.com", helpdesk.RoleAgent), prefix+" Agent")
	return &team{owner: owner, admin: admin, agent: agent, workspace: prefix + " Workspace"}
}

// newTicket creates a ticket through the form and returns its page.
func (b *browser) newTicket(subject, email string) *page {
	b.t.Helper()
	p := b.submit(b.get("/tickets/new"), "#new-ticket-form", map[string]string{
		"subject": subject, "description": "Description of " + subject, "customer_email": email,
	}, "#create-ticket-submit")
	return p.wantStatus(http.StatusOK)
}
