package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TestWorkspaceIsolation seeds workspace B with distinctive strings, then
// lets the members of workspace A walk every page they can reach and try
// B's ids and numbers in every URL and form field. Nothing of B may appear,
// every foreign id must behave like one that does not exist, and B's data
// must be unchanged afterwards.
func TestWorkspaceIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const mark = "zulu" // every string of B contains it

	// Workspace B.
	bOwner := e.browser()
	bOwner.signup("ZULU Owner", "zulu-owner@zulu.example", "ZULU Workspace")
	bWS := workspaceOf(t, e, "zulu-owner@zulu.example")
	bAgent := e.accept(bOwner.invite("zulu-agent@zulu.example", helpdesk.RoleAgent), "ZULU Agent")
	_ = bAgent
	bOwner.invite("zulu-invitee@zulu.example", helpdesk.RoleAdmin)
	inb := bOwner.submit(bOwner.get("/inboxes"), "#inbox-form", map[string]string{"name": "ZULU Inbox"}, "#create-inbox-submit")
	for i := 0; i < 3; i++ {
		p := bOwner.submit(bOwner.get("/tickets/new"), "#new-ticket-form", map[string]string{
			"subject": "ZULU subject", "description": "ZULU description", "customer_email": "zulu-customer@zulu.example", "customer_name": "ZULU Customer",
		}, "#create-ticket-submit")
		p = bOwner.submit(p, "#reply-form", map[string]string{"body": "ZULU reply"}, "#send-reply")
		bOwner.submit(p, "#reply-form", map[string]string{"body": "ZULU note"}, "#add-note")
	}
	bCustomer := strings.TrimPrefix(attr(bOwner.get("/tickets/3").must("#customer-link"), "href"), "/customers/")
	bOwner.submit(bOwner.get("/customers/"+bCustomer), "#customer-form", map[string]string{"new_company_name": "ZULU Company"}, "#save-customer")
	bCompany := strings.TrimPrefix(attr(bOwner.get("/customers/"+bCustomer).must("#customer-company-link"), "href"), "/companies/")
	kp := bOwner.submit(bOwner.get("/integrations/keys/new"), "#create-key-form", map[string]string{"name": "ZULU key"}, "#create-key-submit")
	// B's webhook endpoint saw one event, and B's owner revealed its secret.
	rcv := newReceiver(t, http.StatusOK, "ok")
	bEndpoint := endpointID(bOwner.addWebhook(rcv.URL+"/zulu", "ZULU hooks", "ticket.created"))
	bOwner.newTicket("ZULU webhook", "zulu-customer@zulu.example")
	e.deliver()
	bEvent := attr(bOwner.get("/integrations/webhooks/"+bEndpoint).must(`tr[data-test=delivery-row]`), "data-event-id")
	bSecret := bOwner.revealSecret(bEndpoint)
	bEndpointBefore, err := e.store.WebhookEndpoint(t.Context(), bWS, bEndpoint)
	if err != nil {
		t.Fatal(err)
	}
	bDeliveries, err := e.svc.WebhookDeliveries(t.Context(), bWS, bEndpoint, helpdesk.WebhookPage{})
	if err != nil {
		t.Fatal(err)
	}
	bKeyID := attr(kp.must("#new-key"), "value")[4:12]
	var bInbox, bUser, bInvite string
	for _, row := range inb.findAll(`tr[data-test=inbox-row]`) {
		if text(find(row, "[data-test=inbox-name]")) == "ZULU Inbox" {
			bInbox = attr(row, "data-inbox-id")
		}
	}
	team := bOwner.get("/team")
	bUser = memberRow(team, "ZULU Agent").id
	bInvite = attr(team.must(`tr[data-test=invite-row]`), "data-invite-id")
	for name, v := range map[string]string{"customer": bCustomer, "company": bCompany, "inbox": bInbox, "user": bUser, "invite": bInvite, "key": bKeyID, "endpoint": bEndpoint, "event": bEvent, "secret": bSecret} {
		if v == "" {
			t.Fatalf("no id for B's %s", name)
		}
	}
	foreign := []string{bWS, bCustomer, bCompany, bInbox, bUser, bInvite, bKeyID, bEndpoint, bEvent, bSecret}

	// Workspace A: one ticket, so B's ticket numbers 2 and 3 do not exist in
	// A, and a webhook endpoint that got its event, so the walk reaches the
	// webhook pages and their delivery log.
	a := e.team("Alpha")
	aEndpoint := endpointID(a.owner.addWebhook(rcv.URL+"/alpha", "Alpha hooks", "ticket.created"))
	aTicket := a.owner.newTicket("Alpha subject", "alpha-customer@alpha.example")
	e.deliver()
	sent := len(rcv.requests())
	aCustomer := strings.TrimPrefix(attr(aTicket.must("#customer-link"), "href"), "/customers/")

	check := func(who, what string, p *page) {
		t.Helper()
		body := strings.ToLower(p.body)
		if strings.Contains(body, mark) {
			i := strings.Index(body, mark)
			t.Errorf("%s %s: shows B's data: …%s…", who, what, p.body[max(0, i-80):min(len(body), i+80)])
		}
		for _, id := range foreign {
			if strings.Contains(p.body, id) {
				t.Errorf("%s %s: contains B's id %s", who, what, id)
			}
		}
		// No page reached here reveals a secret, A's or B's.
		if whsec.MatchString(p.body) {
			t.Errorf("%s %s: shows a webhook secret", who, what)
		}
	}

	// The marker is real: B's own pages show it.
	if !strings.Contains(strings.ToLower(bOwner.get("/tickets/3").body), mark) {
		t.Fatal("B's pages do not carry the marker")
	}

	// Walk every page reachable by links, for each role of A.
	for _, m := range []struct {
		who string
		b   *browser
	}{{"owner", a.owner}, {"admin", a.admin}, {"agent", a.agent}} {
		seen := map[string]bool{}
		queue := []string{"/tickets"}
		for len(queue) > 0 && len(seen) < 300 {
			path := queue[0]
			queue = queue[1:]
			if seen[path] {
				continue
			}
			seen[path] = true
			p := m.b.get(path)
			if p.status != http.StatusOK && p.status != http.StatusForbidden {
				t.Errorf("%s GET %s: %d", m.who, path, p.status)
			}
			check(m.who, "GET "+path, p)
			for _, l := range p.findAll("a[href]") {
				href := attr(l, "href")
				if !strings.HasPrefix(href, "/") || strings.HasPrefix(href, "/static/") || strings.HasPrefix(href, "//") {
					continue
				}
				href, _, _ = strings.Cut(href, "#")
				if !seen[href] {
					queue = append(queue, href)
				}
			}
		}
		t.Logf("%s walked %d pages", m.who, len(seen))
		if len(seen) < 15 {
			t.Errorf("%s reached only %d pages", m.who, len(seen))
		}
	}

	// B's ids and numbers in every URL: not found, for the owner and for an
	// admin alike.
	bHook := "/integrations/webhooks/" + bEndpoint
	for _, m := range []struct {
		who string
		b   *browser
	}{{"owner", a.owner}, {"admin", a.admin}} {
		token := m.b.get("/tickets").csrf()
		for _, path := range []string{
			"/tickets/2", "/tickets/3", "/customers/" + bCustomer, "/companies/" + bCompany,
			"/integrations/keys/" + bKeyID + "/revoke", "/team/members/" + bUser + "/remove",
			bHook, bHook + "/edit", bHook + "/delete",
		} {
			p := m.b.get(path)
			if p.status != http.StatusNotFound {
				t.Errorf("%s GET %s: %d, want 404", m.who, path, p.status)
			}
			check(m.who, "GET "+path, p)
		}
		posts := map[string]url.Values{
			"/tickets/3":                               {"status": {"closed"}},
			"/tickets/3/messages":                      {"body": {"hi"}, "kind": {"reply"}},
			"/tickets/3/merge":                         {"target": {"1"}},
			"/customers/" + bCustomer:                  {"name": {"x"}},
			"/integrations/keys/" + bKeyID + "/revoke": {},
			"/team/members/" + bUser + "/role":         {"role": {"admin"}},
			"/team/members/" + bUser + "/remove":       {},
			"/team/invites/" + bInvite + "/revoke":     {},
			"/inboxes/" + bInbox + "/rename":           {"name": {"Taken"}},
			"/inboxes/" + bInbox + "/default":          {},
			"/workspace":                               {"workspace_id": {bWS}},
			bHook + "/edit":                            {"url": {"http://127.0.0.1:1/taken"}, "event_types": {"ticket.closed"}},
			bHook + "/disable":                         {},
			bHook + "/enable":                          {},
			bHook + "/secret":                          {},
			bHook + "/rotate":                          {},
			bHook + "/test":                            {},
			bHook + "/resend":                          {"event_id": {bEvent}},
			bHook + "/delete":                          {},
			// A's own endpoint, B's event.
			"/integrations/webhooks/" + aEndpoint + "/resend": {"event_id": {bEvent}},
		}
		for path, form := range posts {
			form.Set("csrf_token", token)
			p := m.b.postRaw(path, form)
			if p.status != http.StatusNotFound {
				t.Errorf("%s POST %s: %d, want 404", m.who, path, p.status)
			}
			check(m.who, "POST "+path, p)
		}
	}

	o := a.owner
	token := o.get("/tickets").csrf()
	// B's ids in form fields and filters: invalid or empty, never used.
	fields := []struct {
		path string
		form url.Values
	}{
		{"/tickets/new", url.Values{"subject": {"s"}, "description": {"d"}, "customer_email": {"c@alpha.example"}, "priority": {"low"}, "inbox_id": {bInbox}}},
		{"/tickets/new", url.Values{"subject": {"s"}, "description": {"d"}, "customer_email": {"c@alpha.example"}, "priority": {"low"}, "assignee_id": {bUser}}},
		{"/tickets/1", url.Values{"inbox_id": {bInbox}}},
		{"/tickets/1", url.Values{"assignee_id": {bUser}}},
		{"/tickets/1/merge", url.Values{"target": {"3"}}},
		{"/customers/" + aCustomer, url.Values{"name": {"n"}, "company_id": {bCompany}}},
	}
	for _, f := range fields {
		f.form.Set("csrf_token", token)
		p := o.postRaw(f.path, f.form)
		if p.status != http.StatusBadRequest {
			t.Errorf("POST %s %v: %d, want 400", f.path, f.form, p.status)
		}
		check("owner", "POST "+f.path, p)
	}
	for _, path := range []string{"/tickets?inbox=" + bInbox, "/tickets?assignee=" + bUser + "&status=all", "/tickets?q=zulu&status=all", "/customers?q=zulu", "/tickets?q=%233&status=all"} {
		p := o.get(path).wantStatus(http.StatusOK)
		if n := len(p.findAll(`tr[data-test=ticket-row]`)) + len(p.findAll(`tr[data-test=customer-row]`)); n != 0 {
			t.Errorf("GET %s: %d rows", path, n)
		}
	}

	// B is untouched.
	ctx := t.Context()
	if k, _ := e.store.APIKeyByKeyID(ctx, bKeyID); k.RevokedAt != nil {
		t.Error("B's key was revoked")
	}
	if m, err := e.store.Member(ctx, bWS, bUser); err != nil || m.Role != helpdesk.RoleAgent {
		t.Errorf("B's member changed: %+v %v", m, err)
	}
	if in, _ := e.store.Inbox(ctx, bWS, bInbox); in.Name != "ZULU Inbox" || in.IsDefault {
		t.Errorf("B's inbox changed: %+v", in)
	}
	if c, _ := e.store.Customer(ctx, bWS, bCustomer); c.Name == nil || *c.Name != "ZULU Customer" {
		t.Errorf("B's customer changed")
	}
	if invs, _ := e.svc.PendingInvites(ctx, bWS); len(invs) != 1 {
		t.Errorf("B has %d pending invites", len(invs))
	}
	if ep, err := e.store.WebhookEndpoint(ctx, bWS, bEndpoint); err != nil || !ep.Active || ep.URL != bEndpointBefore.URL ||
		!bytes.Equal(ep.SecretSealed, bEndpointBefore.SecretSealed) || !ep.UpdatedAt.Equal(bEndpointBefore.UpdatedAt) {
		t.Errorf("B's endpoint changed: %+v %v", ep, err)
	}
	if ds, err := e.svc.WebhookDeliveries(ctx, bWS, bEndpoint, helpdesk.WebhookPage{}); err != nil || len(ds) != len(bDeliveries) || ds[0].Attempts != bDeliveries[0].Attempts {
		t.Errorf("B's deliveries changed: %+v %v", ds, err)
	}
	e.deliver()
	if n := len(rcv.requests()); n != sent {
		t.Errorf("A's requests sent %d webhooks", n-sent)
	}
	d, _ := e.svc.TicketByNumber(ctx, bWS, 3, true)
	if d.Ticket.Status != helpdesk.StatusOpen || d.Ticket.MergedIntoID != nil || len(d.Messages) != 2 {
		t.Errorf("B's ticket changed: %+v", d.Ticket)
	}
}
