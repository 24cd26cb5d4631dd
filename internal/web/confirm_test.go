package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// confirmCase is what one confirmation page must show and do.
type confirmCase struct {
	name        string
	page        func() *page
	heading     string
	crumbs      []string // hrefs of the breadcrumb links
	action      string
	fields      map[string]string // hidden fields besides the form token
	consequence string
	button      string
	cancel      string
	// Element ids the browser tests rely on (docs/app.md).
	formID, submitID, cancelID string
}

// TestConfirmPages holds every confirmation page to the one layout of
// templates/confirm.html: the question as the h1, a breadcrumb, what will
// happen, the consequence on its own line, and a POST form with the token,
// a danger submit button and a Cancel link back.
func TestConfirmPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := seed(t, e)
	o := s.owner
	var ownerID string
	for _, row := range o.get("/team").findAll(`tr[data-test=member-row]`) {
		if attr(row, "data-role") == "owner" {
			ownerID = attr(row, "data-user-id")
		}
	}
	hook := "/integrations/webhooks/" + s.endpointID
	get := func(path string) func() *page {
		return func() *page { return o.get(path).wantStatus(http.StatusOK) }
	}
	for _, c := range []confirmCase{
		{
			name: "revoke key", page: get("/integrations/keys/" + s.keyID + "/revoke"),
			heading: "Revoke “Website”?", crumbs: []string{"/integrations"},
			action: "/integrations/keys/" + s.keyID + "/revoke", consequence: "This cannot be undone.",
			button: "Revoke key", cancel: "/integrations",
			formID: "revoke-key-form", submitID: "revoke-key-confirm", cancelID: "revoke-key-cancel",
		},
		{
			name: "remove member", page: get("/team/members/" + s.agentID + "/remove"),
			heading: "Remove Acme Agent?", crumbs: []string{"/team"},
			action:      "/team/members/" + s.agentID + "/remove",
			consequence: "Tickets assigned to them stay assigned until someone reassigns them.",
			button:      "Remove Acme Agent", cancel: "/team",
			formID: "remove-member-form", submitID: "remove-member-confirm", cancelID: "remove-member-cancel",
		},
		{
			name: "leave workspace", page: get("/team/members/" + ownerID + "/remove"),
			heading: "Leave Acme Workspace?", crumbs: []string{"/team"},
			action:      "/team/members/" + ownerID + "/remove",
			consequence: "Tickets assigned to you stay assigned until someone reassigns them.",
			button:      "Leave workspace", cancel: "/team",
			formID: "remove-member-form", submitID: "remove-member-confirm", cancelID: "remove-member-cancel",
		},
		{
			name: "delete webhook endpoint", page: get(hook + "/delete"),
			heading: "Delete this webhook endpoint?", crumbs: []string{"/integrations", "/integrations/webhooks", hook},
			action:      hook + "/delete",
			consequence: "This cannot be undone; to pause deliveries instead, disable the endpoint.",
			button:      "Delete endpoint", cancel: hook,
			formID: "delete-webhook-form", submitID: "delete-webhook-confirm", cancelID: "delete-webhook-cancel",
		},
		{
			// The merge asks on the answer to its first POST.
			name: "merge tickets", page: func() *page {
				return o.submit(o.get("/tickets/1"), "#merge-form", map[string]string{"target": "2"}, "#merge-submit").wantStatus(http.StatusOK)
			},
			heading: "Merge #1 into #2?", crumbs: []string{"/tickets", "/tickets/1"},
			action: "/tickets/1/merge", fields: map[string]string{"target": "2", "confirm": "yes"},
			consequence: "This cannot be undone.", button: "Merge tickets", cancel: "/tickets/1",
			formID: "merge-confirm-form", submitID: "merge-confirm-submit", cancelID: "merge-cancel",
		},
	} {
		p := c.page()
		checkPage(t, c.name, p)
		checkForms(t, c.name, p)
		checkConfirm(t, p, c)
	}
}

func checkConfirm(t *testing.T, p *page, c confirmCase) {
	t.Helper()
	if got := p.h1(); got != c.heading {
		t.Errorf("%s: h1 %q, want %q", c.name, got, c.heading)
	}
	var crumbs []string
	for _, a := range p.findAll(".breadcrumb a") {
		crumbs = append(crumbs, attr(a, "href"))
	}
	if !slices.Equal(crumbs, c.crumbs) {
		t.Errorf("%s: breadcrumb %v, want %v", c.name, crumbs, c.crumbs)
	}
	card := p.must(".confirm-card")
	if got := text(find(card, "[data-test=confirm-consequence]")); got != c.consequence {
		t.Errorf("%s: consequence %q, want %q", c.name, got, c.consequence)
	}
	form := find(card, "form#"+c.formID)
	if form == nil {
		t.Fatalf("%s: no form #%s in the card", c.name, c.formID)
	}
	if attr(form, "method") != "post" || attr(form, "action") != c.action {
		t.Errorf("%s: form %s %q, want post %q", c.name, attr(form, "method"), attr(form, "action"), c.action)
	}
	hidden := map[string]string{}
	for _, in := range findAll(form, "input[type=hidden]") {
		hidden[attr(in, "name")] = attr(in, "value")
	}
	if hidden["csrf_token"] == "" || hidden["csrf_token"] != p.csrf() {
		t.Errorf("%s: form token %q", c.name, hidden["csrf_token"])
	}
	delete(hidden, "csrf_token")
	if len(hidden) != len(c.fields) {
		t.Errorf("%s: hidden fields %v, want %v", c.name, hidden, c.fields)
	}
	for k, v := range c.fields {
		if hidden[k] != v {
			t.Errorf("%s: hidden %s = %q, want %q", c.name, k, hidden[k], v)
		}
	}
	button := find(form, "button#"+c.submitID)
	if button == nil || attr(button, "type") != "submit" || !hasClass(button, "button-danger") || text(button) != c.button {
		t.Errorf("%s: submit button %q, want a danger button %q", c.name, text(button), c.button)
	}
	cancel := find(form, "a#"+c.cancelID)
	if cancel == nil || attr(cancel, "href") != c.cancel || strings.TrimSpace(text(cancel)) != "Cancel" {
		t.Errorf("%s: cancel link %q, want %q", c.name, attr(cancel, "href"), c.cancel)
	}
}
