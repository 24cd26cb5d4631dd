package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/web"
)

func TestCrossSitePostsAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.signup("Ada", "ada@example.com", "A")
	token := b.get("/tickets/new").csrf()
	form := url.Values{
		"csrf_token": {token}, "subject": {"Hi"}, "description": {"d"}, "customer_email": {"c@example.com"}, "priority": {"medium"},
	}
	cases := []struct {
		name    string
		headers []string
	}{
		{"sec-fetch-site cross-site", []string{"Sec-Fetch-Site", "cross-site"}},
		{"sec-fetch-site same-site", []string{"Sec-Fetch-Site", "same-site"}},
		{"origin of another site", []string{"Origin", "https://evil.example"}},
		{"origin of another port", []string{"Origin", "http://127.0.0.1:1"}},
	}
	for _, c := range cases {
		r := b.postRaw("/tickets/new", form, c.headers...)
		if r.status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", c.name, r.status)
		}
		checkPage(t, c.name, r)
	}
	// Log-in and sign-up forms, which have no session yet, are protected by
	// the same cross-origin check.
	anon := e.browser()
	for _, path := range []string{"/login", "/signup", "/logout"} {
		if r := anon.postRaw(path, url.Values{"email": {"ada@example.com"}, "password": {testPassword}}, "Sec-Fetch-Site", "cross-site"); r.status != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d", path, r.status)
		}
	}
	// A browser that sends neither header is checked by the form token.
	missing := cloneForm(form)
	missing.Del("csrf_token")
	if r := b.postRaw("/tickets/new", missing); r.status != http.StatusForbidden {
		t.Errorf("missing token: %d", r.status)
	}
	wrong := cloneForm(form)
	wrong.Set("csrf_token", strings.Repeat("A", len(token)))
	if r := b.postRaw("/tickets/new", wrong); r.status != http.StatusForbidden {
		t.Errorf("wrong token: %d", r.status)
	}
	// Nothing was created by the refused requests.
	if n, _ := e.svc.CountTickets(t.Context(), workspaceOf(t, e, "ada@example.com")); n[helpdesk.StatusNew] != 0 {
		t.Fatalf("a refused request created %d tickets", n[helpdesk.StatusNew])
	}
	// Same-origin, with the token: accepted.
	if r := b.postRaw("/tickets/new", form, "Sec-Fetch-Site", "same-origin", "Origin", e.srv.URL); r.status != http.StatusSeeOther {
		t.Errorf("same-origin POST: %d", r.status)
	}
	// A cross-site GET (a link in an email) works: SameSite=Lax and no
	// state change on GET.
	if r := b.get("/tickets/1"); r.status != http.StatusOK {
		t.Errorf("GET after create: %d", r.status)
	}
	_ = p
}

func cloneForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// workspaceOf returns the first workspace of the user with this email.
func workspaceOf(t *testing.T, e *env, email string) string {
	t.Helper()
	u, err := e.store.UserByEmail(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := e.store.MembershipsOfUser(t.Context(), u.ID)
	if err != nil || len(ms) == 0 {
		t.Fatalf("memberships: %v", err)
	}
	return ms[0].WorkspaceID
}

func sessionSetCookie(t *testing.T, p *page) *http.Cookie {
	t.Helper()
	resp := http.Response{Header: p.header}
	for _, c := range resp.Cookies() {
		if strings.HasSuffix(c.Name, "tixallo_session") && c.Value != "" {
			return c
		}
	}
	t.Fatalf("%s: no session cookie set; headers %v", p.url, p.header)
	return nil
}

func TestSessionCookieFlags(t *testing.T) {
	t.Parallel()
	login := func(b *browser, email string) *page {
		b.signup("Ada", email, "A")
		form := b.get("/login")
		return b.postRaw("/login", url.Values{"email": {email}, "password": {testPassword}, "next": {attr(form.find("input[name=next]"), "value")}})
	}
	t.Run("plain http", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		c := sessionSetCookie(t, login(e.browser(), "a@example.com"))
		if c.Name != "tixallo_session" || c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
			t.Errorf("cookie %+v", c)
		}
		if c.MaxAge != int(helpdesk.SessionAbsoluteTimeout.Seconds()) {
			t.Errorf("max-age %d", c.MaxAge)
		}
	})
	t.Run("tls", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, withTLS())
		c := sessionSetCookie(t, login(e.browser(), "a@example.com"))
		if c.Name != "__Host-tixallo_session" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
			t.Errorf("cookie %+v", c)
		}
	})
	t.Run("trusted proxy says https", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, withTrustProxy())
		b := e.browser()
		b.header.Set("X-Forwarded-Proto", "https")
		// The jar will not send a Secure cookie over http://, so send it by hand.
		r := b.postRaw("/signup", url.Values{"name": {"Ada"}, "email": {"a@example.com"}, "password": {testPassword}, "workspace_name": {"A"}})
		c := sessionSetCookie(t, r)
		if c.Name != "__Host-tixallo_session" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
			t.Errorf("cookie %+v", c)
		}
		// A browser holding only what we give it (the jar would treat
		// loopback as a secure origin and send everything).
		fresh := e.browser()
		fresh.client.Jar = nil
		fresh.header.Set("X-Forwarded-Proto", "https")
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/tickets", nil)
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		if p := fresh.do(req); p.status != http.StatusOK || p.find("#current-user") == nil {
			t.Errorf("__Host- cookie not accepted: %d", p.status)
		}
		// The same cookie under the plain-HTTP name is not the HTTPS session.
		req, _ = http.NewRequest(http.MethodGet, e.srv.URL+"/tickets", nil)
		req.AddCookie(&http.Cookie{Name: "tixallo_session", Value: c.Value})
		if p := fresh.do(req); p.status != http.StatusSeeOther {
			t.Errorf("plain name accepted under https: %d", p.status)
		}
	})
	t.Run("untrusted proxy header is ignored", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		b := e.browser()
		b.header.Set("X-Forwarded-Proto", "https")
		c := sessionSetCookie(t, login(b, "a@example.com"))
		if c.Name != "tixallo_session" || c.Secure {
			t.Errorf("cookie %+v", c)
		}
	})
}

func TestLoginStartsANewSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signup("Ada", "ada@example.com", "A")
	before := b.cookie("tixallo_session").Value
	stolen := e.browser() // holds a copy of the old cookie
	stolen.client.Jar.SetCookies(mustURL(e.srv.URL), []*http.Cookie{{Name: "tixallo_session", Value: before}})
	if stolen.get("/tickets").find("#current-user") == nil {
		t.Fatal("copied cookie does not work before the log-in")
	}
	p := b.login("ada@example.com", testPassword).wantStatus(http.StatusOK)
	after := b.cookie("tixallo_session").Value
	if after == before || after == "" {
		t.Fatal("log-in kept the session id")
	}
	if p.find("#current-user") == nil {
		t.Fatal("not logged in after log-in")
	}
	// The session from before the log-in is gone.
	if r := stolen.raw("/tickets"); r.status != http.StatusSeeOther {
		t.Errorf("old session still works: %d", r.status)
	}
	// Log out ends the session on the server, not just in the browser.
	kept := b.cookie("tixallo_session").Value
	b.submit(b.get("/tickets"), "#logout-form", nil, "#logout-button").wantStatus(http.StatusOK)
	replay := e.browser()
	replay.client.Jar.SetCookies(mustURL(e.srv.URL), []*http.Cookie{{Name: "tixallo_session", Value: kept}})
	if r := replay.raw("/tickets"); r.status != http.StatusSeeOther {
		t.Errorf("session works after log-out: %d", r.status)
	}
	// Only a hash of the token is stored.
	if _, err := e.store.Session(t.Context(), []byte(kept)); err == nil {
		t.Error("session found by its raw token")
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		b := e.browser()
		b.signup("Ada", "ada@example.com", "A")
		e.clock.Advance(helpdesk.SessionIdleTimeout - 2*time.Minute)
		if r := b.raw("/tickets"); r.status != http.StatusOK {
			t.Fatalf("logged out before the idle timeout: %d", r.status)
		}
		// Activity moved the idle deadline.
		e.clock.Advance(helpdesk.SessionIdleTimeout - 2*time.Minute)
		if r := b.raw("/tickets"); r.status != http.StatusOK {
			t.Fatalf("activity did not extend the session: %d", r.status)
		}
		e.clock.Advance(helpdesk.SessionIdleTimeout + time.Second)
		r := b.raw("/tickets")
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login") {
			t.Fatalf("idle session still works: %d", r.status)
		}
	})
	t.Run("absolute", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		b := e.browser()
		b.signup("Ada", "ada@example.com", "A")
		step := helpdesk.SessionIdleTimeout / 2
		elapsed := time.Duration(0)
		for elapsed+step < helpdesk.SessionAbsoluteTimeout {
			e.clock.Advance(step)
			elapsed += step
			if r := b.raw("/tickets"); r.status != http.StatusOK {
				t.Fatalf("logged out after %s of activity: %d", elapsed, r.status)
			}
		}
		e.clock.Advance(helpdesk.SessionAbsoluteTimeout - elapsed)
		if r := b.raw("/tickets"); r.status != http.StatusSeeOther {
			t.Fatalf("session outlived its absolute timeout: %d", r.status)
		}
	})
}

func TestLoginThrottling(t *testing.T) {
	t.Parallel()
	t.Run("per account", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.browser().signup("Ada", "ada@example.com", "A")
		b := e.browser()
		for i := range 5 {
			p := b.login("ada@example.com", "wrong password number "+string(rune('a'+i)))
			if p.status != http.StatusBadRequest || p.text("#form-error") != "Invalid email or password" {
				t.Fatalf("failure %d: %d %q", i+1, p.status, text(p.find("#form-error")))
			}
		}
		// The sixth attempt, even with the right password, must wait.
		p := b.login("ada@example.com", testPassword)
		if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" {
			t.Fatalf("after 5 failures: %d", p.status)
		}
		if !strings.Contains(p.text("#form-error"), "Try again") {
			t.Errorf("message %q", p.text("#form-error"))
		}
		// Each further failure doubles the wait: 1 s, then 2 s, then 4 s.
		e.clock.Advance(time.Second)
		if p := b.login("ada@example.com", "still wrong password"); p.status != http.StatusBadRequest {
			t.Fatalf("after the 1 s delay: %d", p.status)
		}
		e.clock.Advance(time.Second)
		if p := b.login("ada@example.com", testPassword); p.status != http.StatusTooManyRequests {
			t.Fatalf("the delay did not double: %d", p.status)
		}
		e.clock.Advance(time.Second)
		if p := b.login("ada@example.com", testPassword); p.status != http.StatusOK || p.find("#current-user") == nil {
			t.Fatalf("right password after the delay: %d", p.status)
		}
		// Success resets the count.
		for range 5 {
			e.browser().login("ada@example.com", "wrong again wrong again")
		}
		if p := e.browser().login("ada@example.com", "wrong once more"); p.status != http.StatusTooManyRequests {
			t.Fatalf("count was not per account: %d", p.status)
		}
		// Unknown emails are throttled alike, so the answer tells nothing.
		for range 5 {
			e.browser().login("nobody@example.com", "whatever it is here")
		}
		if p := e.browser().login("nobody@example.com", "whatever it is here"); p.status != http.StatusTooManyRequests {
			t.Fatalf("unknown email not throttled: %d", p.status)
		}
	})
	t.Run("capped delay", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, withOptions(func(o *web.Options) { o.AccountMaxDelay = 4 * time.Second }))
		e.browser().signup("Ada", "ada@example.com", "A")
		b := e.browser()
		for range 12 {
			b.login("ada@example.com", "wrong password again and again")
			e.clock.Advance(10 * time.Second)
		}
		b.login("ada@example.com", "wrong password again and again")
		e.clock.Advance(4 * time.Second)
		if p := b.login("ada@example.com", testPassword); p.status != http.StatusOK {
			t.Fatalf("delay not capped: %d", p.status)
		}
	})
	t.Run("per address", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, withTrustProxy())
		b := e.browser()
		b.header.Set("X-Forwarded-For", "203.0.113.7")
		for i := range 20 {
			if p := b.login("user"+string(rune('a'+i))+"@example.com", "some password here"); p.status != http.StatusBadRequest {
				t.Fatalf("attempt %d: %d", i+1, p.status)
			}
		}
		p := b.login("fresh@example.com", "some password here")
		if p.status != http.StatusTooManyRequests || !strings.Contains(p.text("#form-error"), "network") {
			t.Fatalf("21st attempt from one address: %d", p.status)
		}
		other := e.browser()
		other.header.Set("X-Forwarded-For", "198.51.100.9")
		if p := other.login("fresh@example.com", "some password here"); p.status != http.StatusBadRequest {
			t.Fatalf("another address: %d", p.status)
		}
		e.clock.Advance(time.Minute)
		if p := b.login("fresh@example.com", "some password here"); p.status != http.StatusBadRequest {
			t.Fatalf("after a minute: %d", p.status)
		}
	})
}

func TestFailedLoginsAreAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.browser()
	owner.signup("Ada", "ada@example.com", "A")
	e.browser().login("ada@example.com", "not the right password")
	e.browser().login("nobody@example.com", "not the right password")
	p := owner.get("/audit")
	var failed, succeeded int
	for _, row := range p.findAll(`tr[data-test=audit-row]`) {
		switch attr(row, "data-action") {
		case helpdesk.AuditLoginFailed:
			failed++
		case helpdesk.AuditLoginSucceeded:
			succeeded++
		}
	}
	if failed != 1 {
		t.Errorf("%d failed-log-in entries, want 1 (unknown emails are not recorded)", failed)
	}
	owner.login("ada@example.com", testPassword)
	if n := len(owner.get("/audit").findAll(`tr[data-action="login.succeeded"]`)); n != 1 {
		t.Errorf("%d successful log-in entries", n)
	}
	_ = succeeded
}

func TestOversizedAndMalformedForms(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signup("Ada", "ada@example.com", "A")
	token := b.get("/tickets/new").csrf()
	big := url.Values{"csrf_token": {token}, "subject": {"s"}, "description": {strings.Repeat("x", 2<<20)}, "customer_email": {"c@example.com"}}
	if r := b.postRaw("/tickets/new", big); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB form: %d", r.status)
	}
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/tickets/new", strings.NewReader("csrf_token="+token+"&subject=%zz"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := b.do(req); r.status != http.StatusBadRequest {
		t.Errorf("malformed form: %d", r.status)
	}
	// A description just over the limit is a field error, not a failure.
	long := url.Values{"csrf_token": {token}, "subject": {"s"}, "description": {strings.Repeat("x", helpdesk.MaxBody+1)}, "customer_email": {"c@example.com"}, "priority": {"low"}}
	if r := b.postRaw("/tickets/new", long); r.status != http.StatusBadRequest || r.find("#ticket-description-error") == nil {
		t.Errorf("long description: %d", r.status)
	}
}
