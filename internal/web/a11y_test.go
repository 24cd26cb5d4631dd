package web_test

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// checkForms asserts what makes a page's forms usable from the keyboard and
// by a screen reader, beyond checkPage: every form that posts has a submit
// <button> (so Enter in any of its fields submits it), every field marked
// invalid names its message with aria-describedby, and every id that
// aria-describedby names exists.
func checkForms(t *testing.T, name string, p *page) {
	t.Helper()
	for _, f := range p.findAll("form") {
		if strings.ToLower(attr(f, "method")) != "post" {
			continue
		}
		ok := false
		for _, b := range findAll(f, "button") {
			if attr(b, "type") == "submit" {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: form %q (%s) has no submit button", name, attr(f, "id"), attr(f, "action"))
		}
	}
	walk(p.doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		desc := attr(n, "aria-describedby")
		if attr(n, "aria-invalid") == "true" && desc == "" {
			t.Errorf("%s: invalid <%s id=%q> without aria-describedby", name, n.Data, attr(n, "id"))
		}
		for _, id := range strings.Fields(desc) {
			if p.find("#"+id) == nil {
				t.Errorf("%s: <%s id=%q> aria-describedby names missing #%s", name, n.Data, attr(n, "id"), id)
			}
		}
	})
}

// TestFormPagesWithErrors renders every form of the app in its error state
// (the page a POST answers when validation fails) and holds each to the
// same accessibility basics as the GET pages: lang, one h1, labels, the
// error next to its field, and a submit button.
func TestFormPagesWithErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := seed(t, e)
	o := s.owner
	for _, c := range []struct {
		name string
		p    func() *page
		want int
	}{
		{"new ticket", func() *page {
			return o.submit(o.get("/tickets/new"), "#new-ticket-form", map[string]string{"subject": "", "customer_email": "nope"}, "#create-ticket-submit")
		}, http.StatusBadRequest},
		{"empty reply", func() *page {
			return o.submit(o.get("/tickets/1"), "#reply-form", map[string]string{"body": ""}, "#send-reply")
		}, http.StatusBadRequest},
		{"bad assignee", func() *page {
			p := o.get("/tickets/1")
			form := p.must("#ticket-properties-form")
			vals := formValues(form)
			vals.Set("assignee_id", "no-such-user")
			vals.Set("csrf_token", p.csrf())
			return o.follow(o.postRaw("/tickets/1", vals))
		}, http.StatusBadRequest},
		{"bad merge target", func() *page {
			return o.submit(o.get("/tickets/1"), "#merge-form", map[string]string{"target": "999"}, "#merge-submit")
		}, http.StatusBadRequest},
		{"key without a name", func() *page {
			return o.submit(o.get("/integrations/keys/new"), "#create-key-form", map[string]string{"name": ""}, "#create-key-submit")
		}, http.StatusBadRequest},
		{"bad invite", func() *page {
			return o.submit(o.get("/team"), "#invite-form", map[string]string{"email": "not-an-email"}, "#invite-submit")
		}, http.StatusBadRequest},
		{"empty account name", func() *page {
			return o.submit(o.get("/account"), "#name-form", map[string]string{"name": ""}, "#save-name")
		}, http.StatusBadRequest},
		{"wrong current password", func() *page {
			return o.submit(o.get("/account"), "#password-form", map[string]string{"current_password": "not my password at all", "new_password": "another long enough passphrase"}, "#change-password-submit")
		}, http.StatusBadRequest},
		{"company without a name", func() *page {
			return o.submit(o.get("/companies"), "#company-form", map[string]string{"name": ""}, "#create-company-submit")
		}, http.StatusBadRequest},
		{"inbox without a name", func() *page {
			return o.submit(o.get("/inboxes"), "#inbox-form", map[string]string{"name": ""}, "#create-inbox-submit")
		}, http.StatusBadRequest},
		{"customer with a too long name", func() *page {
			return o.submit(o.get("/customers/"+s.customerID), "#customer-form", map[string]string{"name": strings.Repeat("x", 500)}, "#save-customer")
		}, http.StatusBadRequest},
		{"failed log-in", func() *page {
			b := e.browser()
			return b.submit(b.get("/login"), "#login-form", map[string]string{"email": "acme-owner@example.com", "password": "wrong password entirely"}, "#login-submit")
		}, http.StatusBadRequest},
		{"invite for an existing account", func() *page {
			b := e.browser()
			b.signup("Other", "other@example.com", "Other Co")
			link := o.invite("other@example.com", "agent")
			b2 := e.browser()
			return b2.get(link)
		}, http.StatusOK},
		{"invite while logged in as someone else", func() *page {
			link := o.invite("someone-new@example.com", "agent")
			return s.agent.get(link)
		}, http.StatusOK},
	} {
		p := c.p()
		if p.status != c.want {
			t.Errorf("%s: status %d, want %d", c.name, p.status, c.want)
		}
		checkPage(t, c.name, p)
		checkForms(t, c.name, p)
		if c.want == http.StatusBadRequest && p.find(".field-error") == nil && p.find("#form-error") == nil {
			t.Errorf("%s: no error message on the page", c.name)
		}
	}
}

// TestFormsOnEveryPage holds every GET page, for every role, to checkForms.
func TestFormsOnEveryPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := seed(t, e)
	for _, b := range []*browser{s.owner, s.admin, s.agent} {
		for _, pg := range s.pages() {
			p := b.get(pg.path)
			checkForms(t, pg.path, p)
		}
	}
}
