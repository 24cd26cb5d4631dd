package web_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/apikey"
	"github.com/tixallo/tixallo/internal/helpdesk"
)

var fullKey = regexp.MustCompile(`tix_[0-9A-Za-z]{46}`)

func TestAPIKeyIsShownOnceAndRevoked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signup("Ada", "ada@example.com", "A")
	list := b.get("/integrations").wantStatus(http.StatusOK)
	list.must("#empty-create-key")

	form := b.get(attr(list.must("#create-key-link"), "href")).wantStatus(http.StatusOK)
	bad := b.submit(form, "#create-key-form", map[string]string{"name": "", "expires": "date", "expires_at": "yesterday"}, "#create-key-submit")
	if bad.status != http.StatusBadRequest || bad.find("#key-expires-at-error") == nil {
		t.Errorf("bad key form: %d", bad.status)
	}
	p := b.submit(form, "#create-key-form", map[string]string{"name": "Website form", "scope": "read", "expires": "90"}, "#create-key-submit").wantStatus(http.StatusOK)
	if !strings.Contains(p.header.Get("Cache-Control"), "no-store") {
		t.Errorf("key page Cache-Control %q", p.header.Get("Cache-Control"))
	}
	checkPage(t, "key created", p)
	secret := attr(p.must("#new-key"), "value")
	if !fullKey.MatchString(secret) || len(secret) != 50 {
		t.Fatalf("key %q", secret)
	}
	p.must("#copy-key")
	if !strings.Contains(p.text("#key-warning"), "You won't see it again") {
		t.Errorf("warning %q", p.text("#key-warning"))
	}
	display := p.text("#new-key-display")
	keyID := secret[4:12]
	if display != "tix_"+keyID+"…" || p.text("#new-key-scope") != "Read only" {
		t.Errorf("display %q scope %q", display, p.text("#new-key-scope"))
	}
	// The page URL is the form's, not one with the key in it.
	if strings.Contains(p.url, secret) || strings.Contains(p.url, keyID) {
		t.Errorf("key in the URL %s", p.url)
	}
	// The key is real: the store has its hash, not the key.
	rec, err := e.store.APIKeyByKeyID(t.Context(), keyID)
	if err != nil || !bytes.Equal(rec.Hash, apikey.Hash(secret)) || rec.Scope != helpdesk.ScopeRead {
		t.Fatalf("stored key %+v %v", rec, err)
	}
	if rec.ExpiresAt == nil || rec.ExpiresAt.Sub(e.clock.Now()) < 89*24*time.Hour {
		t.Errorf("expiry %v", rec.ExpiresAt)
	}

	// Never again: not in the list, the audit log or any other page.
	for _, path := range []string{"/integrations", "/audit", "/tickets", "/integrations/keys/new", "/integrations/keys/" + keyID + "/revoke"} {
		body := b.get(path).body
		if strings.Contains(body, secret) || strings.Contains(body, secret[12:44]) {
			t.Errorf("%s shows the key", path)
		}
		if m := fullKey.FindString(body); m != "" {
			t.Errorf("%s shows a full key %q", path, m)
		}
	}
	list = b.get("/integrations")
	row := list.must(`tr[data-test=api-key-row][data-key-id="` + keyID + `"]`)
	if text(find(row, "[data-test=key-display]")) != display || text(find(row, "[data-test=key-status]")) != "Active" {
		t.Errorf("row %q", text(row))
	}
	if !strings.Contains(text(row), "Ada") {
		t.Error("creator not shown")
	}

	// Revoke: a confirmation page, then the POST.
	confirm := b.get(attr(find(row, "a[data-test=revoke-key]"), "href")).wantStatus(http.StatusOK)
	if !strings.Contains(confirm.text("#main"), display) {
		t.Error("confirmation does not name the key")
	}
	if r, _ := e.store.APIKeyByKeyID(t.Context(), keyID); r.RevokedAt != nil {
		t.Fatal("revoked by the GET")
	}
	done := b.submit(confirm, "#revoke-key-form", nil, "#revoke-key-confirm").wantStatus(http.StatusOK)
	row = done.must(`tr[data-test=api-key-row][data-key-id="` + keyID + `"]`)
	if attr(row, "data-state") != "revoked" || find(row, "a[data-test=revoke-key]") != nil {
		t.Errorf("row after revoke %q", text(row))
	}
	if r, _ := e.store.APIKeyByKeyID(t.Context(), keyID); r.RevokedAt == nil {
		t.Fatal("not revoked")
	}
	audit := b.get("/audit")
	for _, action := range []string{helpdesk.AuditKeyCreated, helpdesk.AuditKeyRevoked} {
		row := audit.must(`tr[data-action="` + action + `"]`)
		if text(find(row, "[data-test=audit-target]")) == "" || !strings.Contains(text(row), keyID) {
			t.Errorf("%s row %q", action, text(row))
		}
		if !strings.Contains(text(row), "127.0.0.1") || text(find(row, "[data-test=audit-actor]")) != "Ada" {
			t.Errorf("%s row lacks the actor or address: %q", action, text(row))
		}
	}

	// A key that expires on a date works through that day.
	p = b.submit(b.get("/integrations/keys/new"), "#create-key-form", map[string]string{
		"name": "Dated", "expires": "date", "expires_at": e.clock.Now().AddDate(0, 1, 0).Format(time.DateOnly),
	}, "#create-key-submit").wantStatus(http.StatusOK)
	if p.text("#new-key-expires") != e.clock.Now().AddDate(0, 1, 1).UTC().Format("2 Jan 2006") {
		t.Errorf("dated expiry %q", p.text("#new-key-expires"))
	}
}

func TestInboxes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := e.team("Inb")
	b := tm.owner
	p := b.submit(b.get("/inboxes"), "#inbox-form", map[string]string{"name": "Billing"}, "#create-inbox-submit").wantStatus(http.StatusOK)
	if n := len(p.findAll(`tr[data-test=inbox-row]`)); n != 2 {
		t.Fatalf("%d inboxes", n)
	}
	dup := b.submit(p, "#inbox-form", map[string]string{"name": "billing"}, "#create-inbox-submit")
	if dup.status != http.StatusBadRequest || dup.find("#inbox-name-error") == nil {
		t.Errorf("duplicate name: %d", dup.status)
	}
	var billing string
	for _, row := range p.findAll(`tr[data-test=inbox-row]`) {
		if text(find(row, "[data-test=inbox-name]")) == "Billing" {
			billing = attr(row, "data-inbox-id")
		}
	}
	p = b.submit(p, `tr[data-inbox-id="`+billing+`"] form[data-test=rename-inbox]`, map[string]string{"name": "Invoices"}, "[data-test=rename-inbox-submit]").wantStatus(http.StatusOK)
	p = b.submit(p, `tr[data-inbox-id="`+billing+`"] form[data-test=make-default]`, nil, "[data-test=make-default-submit]").wantStatus(http.StatusOK)
	row := p.must(`tr[data-inbox-id="` + billing + `"]`)
	if text(find(row, "[data-test=inbox-name]")) != "Invoices" || find(row, "[data-test=default-badge]") == nil {
		t.Errorf("row %q", text(row))
	}
	if n := len(p.findAll(`[data-test=default-badge]`)); n != 1 {
		t.Errorf("%d default inboxes", n)
	}
	// New tickets land in the default inbox unless told otherwise.
	form := b.get("/tickets/new")
	if _, ok := attrOK(form.must(`#ticket-inbox option[value="`+billing+`"]`), "selected"); !ok {
		t.Error("new ticket form does not preselect the default inbox")
	}
	// Agents see the list but no controls.
	ag := tm.agent.get("/inboxes").wantStatus(http.StatusOK)
	if ag.find("#inbox-form") != nil || ag.find("form[data-test=rename-inbox]") != nil {
		t.Error("agent sees inbox controls")
	}
}

func TestCustomersAndCompanies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signup("Ada", "ada@example.com", "A")
	b.newTicket("One", "kim@shop.example")
	b.newTicket("Two", "kim@shop.example")
	b.newTicket("Three", "lee@other.example")

	list := b.get("/customers")
	if n := len(list.findAll(`tr[data-test=customer-row]`)); n != 2 {
		t.Fatalf("%d customers", n)
	}
	found := b.get("/customers?q=KIM").findAll(`tr[data-test=customer-row]`)
	if len(found) != 1 {
		t.Fatalf("search: %d", len(found))
	}
	c := b.get(attr(find(found[0], "a[data-test=customer-link]"), "href")).wantStatus(http.StatusOK)
	if n := len(c.findAll(`#customer-tickets tr[data-test=ticket-row]`)); n != 2 {
		t.Errorf("%d tickets on the customer page", n)
	}
	// Edit: name and a new company by name.
	c = b.submit(c, "#customer-form", map[string]string{"name": "Kim Park", "new_company_name": "Shop Inc"}, "#save-customer").wantStatus(http.StatusOK)
	if c.h1() != "Kim Park" || c.text("#customer-company-link") != "Shop Inc" {
		t.Errorf("after edit: %q %q", c.h1(), c.text("#customer-company-link"))
	}
	co := b.get(attr(c.must("#customer-company-link"), "href")).wantStatus(http.StatusOK)
	if n := len(co.findAll(`#company-customers tr[data-test=customer-row]`)); n != 1 {
		t.Errorf("%d customers in the company", n)
	}
	if n := len(co.findAll(`#company-tickets tr[data-test=ticket-row]`)); n != 2 {
		t.Errorf("%d tickets in the company", n)
	}
	// The same name again links the existing company rather than a copy.
	lee := b.get("/customers?q=lee").must(`a[data-test=customer-link]`)
	b.submit(b.get(attr(lee, "href")), "#customer-form", map[string]string{"new_company_name": "shop inc"}, "#save-customer").wantStatus(http.StatusOK)
	if n := len(b.get("/companies").findAll(`tr[data-test=company-row]`)); n != 1 {
		t.Errorf("%d companies", n)
	}
	// Companies can be added on their page; a bad domain is refused.
	r := b.submit(b.get("/companies"), "#company-form", map[string]string{"name": "Acme", "domain": "not a domain"}, "#create-company-submit")
	if r.status != http.StatusBadRequest || r.find("#company-domain-error") == nil {
		t.Errorf("bad domain: %d", r.status)
	}
	r = b.submit(b.get("/companies"), "#company-form", map[string]string{"name": "Acme", "domain": "acme.example"}, "#create-company-submit").wantStatus(http.StatusOK)
	if r.h1() != "Acme" {
		t.Errorf("company page %q", r.h1())
	}
	// Remove the company from Kim.
	kim := b.get(attr(b.get("/customers?q=kim").must(`a[data-test=customer-link]`), "href"))
	kim = b.submit(kim, "#customer-form", map[string]string{"company_id": ""}, "#save-customer").wantStatus(http.StatusOK)
	if kim.find("#customer-company-link") != nil {
		t.Error("company not removed")
	}
	// The ticket page shows the customer panel with their other tickets.
	tp := b.get("/tickets/1")
	if n := len(tp.findAll(`#customer-panel [data-test=other-ticket]`)); n != 1 {
		t.Errorf("%d other tickets", n)
	}
}
