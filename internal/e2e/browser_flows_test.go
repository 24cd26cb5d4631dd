package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// flowTimeout bounds everything one flow does in the browser.
const flowTimeout = 90 * time.Second

const password = "correct violet staple engine"

// signup creates a workspace through the sign-up form and lands on the
// ticket list.
func (tb *tab) signup(name, email, workspace string) {
	tb.t.Helper()
	if st := tb.open("/signup"); st != http.StatusOK {
		tb.t.Fatalf("GET /signup: %d", st)
	}
	tb.audit()
	tb.fill("#signup-name", name)
	tb.fill("#signup-email", email)
	tb.fill("#signup-password", password)
	tb.fill("#signup-workspace", workspace)
	if st := tb.click("#signup-submit"); st != http.StatusOK {
		tb.t.Fatalf("sign-up: status %d", st)
	}
	tb.wantPage("/tickets", "Tickets")
}

// createKey creates an API key on the Integrations page and returns it, read
// from the page that shows it once.
func (tb *tab) createKey(name string) string {
	tb.t.Helper()
	if st := tb.click("#nav-integrations"); st != http.StatusOK {
		tb.t.Fatalf("Integrations: status %d", st)
	}
	tb.wantPage("/integrations", "Integrations")
	tb.audit()
	link := "#create-key-link"
	if tb.has("#empty-create-key") {
		link = "#empty-create-key"
	}
	tb.click(link)
	tb.wantPage("/integrations/keys/new", "")
	tb.audit()
	tb.fill("#key-name", name)
	if st := tb.click("#create-key-submit"); st != http.StatusOK {
		tb.t.Fatalf("create key: status %d", st)
	}
	tb.audit()
	key := tb.value("#new-key")
	if !strings.HasPrefix(key, "tix_") {
		tb.t.Fatalf("#new-key holds %q, not a key", key)
	}
	if w := tb.text("#key-warning"); !strings.Contains(w, "won't see it again") {
		tb.t.Errorf("key warning %q", w)
	}
	// The script shows the copy button that the HTML hides: the page's
	// script runs under the app's Content-Security-Policy.
	if !eval[bool](tb, `!document.querySelector('#copy-key').hidden`) {
		tb.t.Error("#copy-key is still hidden: the page script did not run")
	}
	return key
}

func TestBrowserFlows(t *testing.T) {
	t.Parallel()
	t.Run("api key lifecycle", testKeyLifecycle)
	t.Run("api ticket reply and note", testReplyAndNote)
	t.Run("merge", testMerge)
	t.Run("invite an agent", testInviteAgent)
	t.Run("keyboard only", testKeyboard)
}

// testKeyLifecycle: sign up → Integrations → create a key → read it from the
// page → the API answers 200 → revoke it in the page → the API answers 401.
func testKeyLifecycle(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	tb := newTab(t, srv.url, flowTimeout)
	tb.signup("Ada Lovelace", "ada@example.com", "Analytical Support")
	tb.audit()

	key := tb.createKey("Website")
	if r := srv.api(t, "GET", "/api/v1/tickets", key, nil); r.status != http.StatusOK {
		t.Fatalf("GET /api/v1/tickets with the new key: %d %s", r.status, r.body)
	}

	tb.click("#key-done")
	tb.wantPage("/integrations", "Integrations")
	row := `#api-keys tr[data-test=api-key-row]`
	if n := tb.count(row); n != 1 {
		t.Fatalf("%d key rows, want 1", n)
	}
	if st := tb.attr(row, "data-state"); st != "active" {
		t.Fatalf("key state %q before revoking", st)
	}
	// The list shows the key's id, never the key.
	display := tb.text(row + ` [data-test=key-display]`)
	if !strings.HasPrefix(key, display[:len(display)-len("…")]) || strings.Contains(tb.text("#api-keys"), key) {
		t.Errorf("key list shows %q", display)
	}
	if strings.Contains(eval[string](tb, `document.documentElement.outerHTML`), key) {
		t.Error("the Integrations page holds the full key")
	}

	tb.click(row + ` a[data-test=revoke-key]`)
	tb.audit()
	if st := tb.click("#revoke-key-confirm"); st != http.StatusOK {
		t.Fatalf("revoke: status %d", st)
	}
	tb.wantPage("/integrations", "Integrations")
	if st := tb.attr(row, "data-state"); st != "revoked" {
		t.Fatalf("key state %q after revoking", st)
	}

	r := srv.api(t, "GET", "/api/v1/tickets", key, nil)
	if r.status != http.StatusUnauthorized {
		t.Fatalf("GET /api/v1/tickets with the revoked key: %d %s", r.status, r.body)
	}
	var body map[string]any
	r.decode(t, &body)
	if len(body) != 1 || body["error"] != "Unauthorized" {
		t.Errorf("401 body %s, want {\"error\":\"Unauthorized\"}", r.body)
	}

	tb.click("#nav-audit")
	tb.audit()
	// The audit log records both, and the rejected use, showing the key
	// as the lists do.
	for _, action := range []string{"api_key.created", "api_key.revoked", "api_key.rejected"} {
		row := fmt.Sprintf(`#audit-log tr[data-test=audit-row][data-action=%q]`, action)
		if !tb.has(row) {
			t.Errorf("audit log has no %s row", action)
			continue
		}
		if got := tb.text(row + ` [data-test=audit-target] code`); got != display {
			t.Errorf("audit %s shows the key as %q, want %q", action, got, display)
		}
	}
}

// testReplyAndNote: a ticket created through the API appears in the list →
// open it → reply → internal note → the API shows the reply, not the note.
func testReplyAndNote(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	tb := newTab(t, srv.url, flowTimeout)
	tb.signup("Sam Rivera", "sam@example.com", "Rivera Bikes")
	key := tb.createKey("Shop")

	r := srv.api(t, "POST", "/api/v1/tickets", key, map[string]any{
		"subject":        "Order 1042 arrived without the rear light",
		"description":    "The box had everything except the rear light. Can you send one?",
		"customer_email": "noor@customer.example",
		"customer_name":  "Noor Haddad",
	})
	if r.status != http.StatusCreated {
		t.Fatalf("POST /api/v1/tickets: %d %s", r.status, r.body)
	}
	var created struct {
		Data struct {
			ID     string `json:"id"`
			Number int    `json:"ticket_number"`
		} `json:"data"`
	}
	r.decode(t, &created)

	tb.click("#nav-tickets")
	tb.wantPage("/tickets", "Tickets")
	tb.audit()
	row := fmt.Sprintf(`#ticket-list tr[data-test=ticket-row][data-ticket-number="%d"]`, created.Data.Number)
	if !tb.has(row) {
		t.Fatalf("ticket #%d is not in the list", created.Data.Number)
	}
	if got := tb.text(row); !strings.Contains(got, "Order 1042") || !strings.Contains(got, "Noor Haddad") {
		t.Errorf("list row %q", got)
	}
	tb.click(row + ` a[data-test=ticket-link]`)
	tb.wantPage(fmt.Sprintf("/tickets/%d", created.Data.Number), "Order 1042 arrived")
	tb.audit()

	const reply = "Sorry about that, Noor! A rear light is on its way today."
	const note = "Warehouse says the light was out of stock; check the Tuesday batch."
	tb.fill("#reply-body", reply)
	if st := tb.click("#send-reply"); st != http.StatusOK {
		t.Fatalf("send reply: %d", st)
	}
	tb.fill("#reply-body", note)
	if st := tb.click("#add-note"); st != http.StatusOK {
		t.Fatalf("add note: %d", st)
	}
	tb.audit()
	public := `#conversation article[data-test=message][data-kind=public]`
	notes := `#conversation article[data-test=message][data-kind=note]`
	if tb.count(public) != 1 || !strings.Contains(tb.text(public+` [data-test=message-body]`), reply) {
		t.Errorf("conversation does not show the reply")
	}
	if tb.count(notes) != 1 || !strings.Contains(tb.text(notes+` [data-test=message-body]`), note) || !tb.has(notes+` [data-test=note-label]`) {
		t.Errorf("conversation does not show the labelled note")
	}
	if got := tb.text(public + ` [data-test=message-author]`); got != "Sam Rivera" {
		t.Errorf("reply author %q", got)
	}

	r = srv.api(t, "GET", "/api/v1/tickets/"+created.Data.ID, key, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET ticket: %d %s", r.status, r.body)
	}
	var got struct {
		Data struct {
			Messages []struct {
				AuthorType string `json:"author_type"`
				AuthorName string `json:"author_name"`
				Body       string `json:"body"`
				Source     string `json:"source"`
			} `json:"messages"`
		} `json:"data"`
	}
	r.decode(t, &got)
	if len(got.Data.Messages) != 1 {
		t.Fatalf("API shows %d messages, want the reply only: %s", len(got.Data.Messages), r.body)
	}
	m := got.Data.Messages[0]
	if m.Body != reply || m.AuthorType != "agent" || m.AuthorName != "Sam Rivera" || m.Source != "web" {
		t.Errorf("API message %+v", m)
	}
	if strings.Contains(string(r.body), "Warehouse") {
		t.Error("the internal note reached the API")
	}
}

// testMerge: two tickets made in the app, the second merged into the first
// through the confirmation page.
func testMerge(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	tb := newTab(t, srv.url, flowTimeout)
	tb.signup("Kim Park", "kim@example.com", "Park Dental")

	newTicket := func(subject, email string) {
		t.Helper()
		tb.click("#new-ticket-link")
		tb.wantPage("/tickets/new", "")
		tb.audit()
		tb.fill("#ticket-customer-email", email)
		tb.fill("#ticket-subject", subject)
		tb.fill("#ticket-description", "Sent from the front desk.")
		tb.choose("#ticket-priority", "high")
		if st := tb.click("#create-ticket-submit"); st != http.StatusOK {
			t.Fatalf("create ticket: %d", st)
		}
		if got := tb.text("#ticket-subject"); got != subject {
			t.Fatalf("new ticket page shows %q", got)
		}
		if got := tb.attr("#ticket-priority-badge [data-priority]", "data-priority"); got != "high" {
			t.Errorf("priority %q", got)
		}
	}
	newTicket("Invoice 77 charged twice", "lee@customer.example")
	tb.click("#nav-tickets")
	newTicket("Charged twice for March", "lee@customer.example")
	tb.wantPage("/tickets/2", "")
	if !tb.has(`#customer-other-tickets [data-test=other-ticket]`) {
		t.Error("customer panel does not list the customer's other ticket")
	}

	tb.fill("#merge-target", "1")
	if st := tb.click("#merge-submit"); st != http.StatusOK {
		t.Fatalf("merge: %d", st)
	}
	tb.audit()
	if !tb.has("#merge-confirm-form") {
		t.Fatalf("no confirmation page at %s", tb.path())
	}
	if st := tb.click("#merge-confirm-submit"); st != http.StatusOK {
		t.Fatalf("confirm merge: %d", st)
	}
	tb.wantPage("/tickets/1", "Invoice 77")
	tb.audit()

	tb.open("/tickets/2")
	if !tb.has("#merged-notice") || tb.attr("#merged-into-link", "href") != "/tickets/1" {
		t.Errorf("merged ticket shows no link to #1")
	}
	if tb.has("#reply-form") || tb.has("#merge-form") {
		t.Error("a merged ticket still offers reply or merge")
	}
	if got := tb.attr("#ticket-status-badge [data-status]", "data-status"); got != "closed" {
		t.Errorf("merged ticket status %q", got)
	}
	// The list of open tickets no longer shows the merged one.
	tb.click("#nav-tickets")
	if tb.has(`#ticket-list tr[data-ticket-number="2"]`) || !tb.has(`#ticket-list tr[data-ticket-number="1"]`) {
		t.Error("ticket list after the merge")
	}
}

// testInviteAgent: the owner invites a teammate, who accepts in a second
// browser context (separate cookies) and, as an agent, cannot open
// Integrations.
func testInviteAgent(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	owner := newTab(t, srv.url, flowTimeout)
	owner.signup("Olu Bello", "olu@example.com", "Bello Travel")
	owner.click("#nav-team")
	owner.wantPage("/team", "Team")
	owner.audit()
	owner.fill("#invite-email", "mia@example.com")
	owner.choose("#invite-role", "agent")
	if st := owner.click("#invite-submit"); st != http.StatusOK {
		t.Fatalf("invite: %d", st)
	}
	owner.audit()
	link := owner.value("#invite-link")
	if !strings.HasPrefix(link, srv.url+"/invite/") {
		t.Fatalf("invite link %q", link)
	}

	agent := newTab(t, srv.url, flowTimeout)
	if st := agent.open(link); st != http.StatusOK {
		t.Fatalf("open invite: %d", st)
	}
	agent.audit()
	agent.fill("#invite-name", "Mia Chen")
	agent.fill("#invite-password", password)
	if st := agent.click("#accept-invite-submit"); st != http.StatusOK {
		t.Fatalf("accept: %d", st)
	}
	agent.wantPage("/tickets", "Tickets")
	if got := agent.text("#current-role"); got != "Agent" {
		t.Errorf("role %q", got)
	}
	if got := agent.text("#workspace-name"); got != "Bello Travel" {
		t.Errorf("workspace %q", got)
	}
	if agent.has("#nav-integrations") || agent.has("#nav-audit") {
		t.Error("an agent is offered Integrations or the audit log")
	}
	if st := agent.open("/integrations"); st != http.StatusForbidden {
		t.Fatalf("agent GET /integrations: %d, want 403", st)
	}
	agent.audit()
	if !agent.has("#error-page") || !strings.Contains(agent.text("h1"), "access") {
		t.Errorf("403 page: h1 %q", agent.text("h1"))
	}
	if st := agent.open("/integrations/keys/new"); st != http.StatusForbidden {
		t.Errorf("agent GET /integrations/keys/new: %d", st)
	}

	// The owner's browser is still the owner's, and sees the new member.
	owner.click("#nav-team")
	if got := owner.text("#current-user"); !strings.Contains(got, "Olu Bello") {
		t.Errorf("owner tab shows %q", got)
	}
	if !owner.has(`#member-list tr[data-test=member-row][data-role=agent]`) {
		t.Error("team page has no agent row")
	}
	if owner.has(`#invite-list tr[data-test=invite-row]`) {
		t.Error("the accepted invite is still pending")
	}
}

// testKeyboard signs up, creates a ticket and replies with the keyboard
// only: Tab to each field, type, Enter on the button.
func testKeyboard(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	tb := newTab(t, srv.url, flowTimeout)
	tb.open("/signup")
	// The first Tab reaches the skip link.
	tb.key("\t")
	if got := eval[string](tb, `document.activeElement.getAttribute('href') || ''`); got != "#main" {
		t.Errorf("first Tab focuses %q, want the skip link to #main", got)
	}
	for _, f := range []struct{ id, value string }{
		{"signup-name", "Kai Keys"},
		{"signup-email", "kai@example.com"},
		{"signup-password", password},
		{"signup-workspace", "Keyboard Co"},
	} {
		tb.tabTo(f.id, 12)
		tb.key(f.value)
	}
	tb.tabTo("signup-submit", 6)
	if st := tb.pressEnter(); st != http.StatusOK {
		t.Fatalf("sign-up by keyboard: %d", st)
	}
	tb.wantPage("/tickets", "Tickets")

	tb.open("/tickets/new")
	tb.tabTo("ticket-customer-email", 40)
	tb.key("ren@customer.example")
	tb.tabTo("ticket-subject", 6)
	tb.key("Typed without a mouse")
	tb.tabTo("ticket-description", 4)
	tb.key("Every field reached with Tab.")
	tb.tabTo("create-ticket-submit", 12)
	if st := tb.pressEnter(); st != http.StatusOK {
		t.Fatalf("new ticket by keyboard: %d", st)
	}
	tb.wantPage("/tickets/1", "Typed without a mouse")

	tb.tabTo("reply-body", 60)
	tb.key("Replying from the keyboard.")
	tb.tabTo("send-reply", 4)
	if st := tb.pressEnter(); st != http.StatusOK {
		t.Fatalf("reply by keyboard: %d", st)
	}
	if !strings.Contains(tb.text(`#conversation article[data-kind=public] [data-test=message-body]`), "Replying from the keyboard.") {
		t.Error("the keyboard reply is not in the conversation")
	}

	// Enter in a text field submits its form (implicit submission).
	tb.open("/tickets")
	tb.tabTo("filter-q", 40)
	tb.key("mouse")
	if st := tb.pressEnter(); st != http.StatusOK {
		t.Fatalf("search by keyboard: %d", st)
	}
	if p := tb.path(); !strings.Contains(p, "q=mouse") || tb.count(`#ticket-list tr[data-test=ticket-row]`) != 1 {
		t.Errorf("search by Enter: at %s with %d rows", p, tb.count(`#ticket-list tr[data-test=ticket-row]`))
	}
}
