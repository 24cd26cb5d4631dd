package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// eventTypes lists the workspace's event types, oldest first.
func eventTypes(t *testing.T, e *env, ws string) []string {
	t.Helper()
	evs, err := e.svc.Events(t.Context(), ws, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Type)
	}
	return out
}

func TestTicketConversationFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := e.team("Flow")
	b := tm.owner
	ws := workspaceOf(t, e, "flow-owner@example.com")

	p := b.newTicket("Printer on fire", "pat@customer.example")
	if !strings.HasSuffix(strings.SplitN(p.url, "?", 2)[0], "/tickets/1") {
		t.Fatalf("landed on %s", p.url)
	}
	if got := p.text("#ticket-subject"); got != "Printer on fire" {
		t.Errorf("subject %q", got)
	}
	if got := attr(p.must("#ticket-status-badge [data-test=status-badge]"), "data-status"); got != "new" {
		t.Errorf("status %q", got)
	}
	if got := attr(p.must("#customer-panel"), "data-customer-email"); got != "pat@customer.example" {
		t.Errorf("customer %q", got)
	}
	if n := len(p.findAll(`article[data-test=message][data-kind=description]`)); n != 1 {
		t.Errorf("%d description entries", n)
	}

	// A reply is public, signed with the agent's name, and opens the ticket.
	p = b.submit(p, "#reply-form", map[string]string{"body": "We are looking into it."}, "#send-reply").wantStatus(http.StatusOK)
	replies := p.findAll(`article[data-test=message][data-kind=public]`)
	if len(replies) != 1 || text(find(replies[0], "[data-test=message-author]")) != "Flow Owner" {
		t.Fatalf("reply not shown: %d", len(replies))
	}
	if find(replies[0], "[data-test=note-label]") != nil {
		t.Error("a reply is labelled as a note")
	}
	if got := attr(p.must("#ticket-status-badge [data-test=status-badge]"), "data-status"); got != "open" {
		t.Errorf("status after reply %q", got)
	}
	if p.text("#notice") != "Reply sent." {
		t.Errorf("notice %q", p.text("#notice"))
	}

	// A note looks different and fires no event.
	before := len(eventTypes(t, e, ws))
	p = b.submit(p, "#reply-form", map[string]string{"body": "Customer is on the enterprise plan."}, "#add-note").wantStatus(http.StatusOK)
	notes := p.findAll(`article[data-test=message][data-kind=note]`)
	if len(notes) != 1 || !hasClass(notes[0], "message-note") {
		t.Fatalf("note not shown as a note")
	}
	if got := text(find(notes[0], "[data-test=note-label]")); !strings.Contains(got, "Internal note — only your team sees this") {
		t.Errorf("note label %q", got)
	}
	if after := len(eventTypes(t, e, ws)); after != before {
		t.Errorf("a note fired %d events", after-before)
	}
	// The public API never shows notes.
	d, err := e.svc.TicketByNumber(t.Context(), ws, 1, false)
	if err != nil || len(d.Messages) != 1 {
		t.Errorf("public conversation has %d messages", len(d.Messages))
	}
	if d.Messages[0].Source != helpdesk.SourceWeb || d.Messages[0].AuthorType != helpdesk.AuthorAgent {
		t.Errorf("reply stored as %s/%s", d.Messages[0].Source, d.Messages[0].AuthorType)
	}

	// An empty reply re-renders the page with the message next to the box.
	r := b.submit(p, "#reply-form", map[string]string{"body": "   "}, "#send-reply")
	if r.status != http.StatusBadRequest || r.find("#reply-body-error") == nil {
		t.Errorf("empty reply: %d", r.status)
	}

	// Properties: status, priority, assignee, inbox.
	var agentID string
	for _, o := range p.findAll(`#prop-assignee option`) {
		if text(o) == "Flow Agent" {
			agentID = attr(o, "value")
		}
	}
	p = b.submit(p, "#ticket-properties-form", map[string]string{"status": "pending", "priority": "urgent", "assignee_id": agentID}, "#save-properties").wantStatus(http.StatusOK)
	if got := attr(p.must("#ticket-priority-badge [data-test=priority-badge]"), "data-priority"); got != "urgent" {
		t.Errorf("priority %q", got)
	}
	if got := attr(p.must("#ticket-status-badge [data-test=status-badge]"), "data-status"); got != "pending" {
		t.Errorf("status %q", got)
	}
	if !strings.Contains(p.text("#ticket-header"), "Assigned to Flow Agent") {
		t.Error("assignee not shown")
	}
	// Unassign and close.
	p = b.submit(p, "#ticket-properties-form", map[string]string{"status": "closed", "assignee_id": ""}, "#save-properties").wantStatus(http.StatusOK)
	if !strings.Contains(p.text("#ticket-header"), "Unassigned") {
		t.Error("not unassigned")
	}
	types := strings.Join(eventTypes(t, e, ws), ",")
	for _, want := range []string{"customer.created", "ticket.created", "ticket.message.created", "ticket.updated", "ticket.closed"} {
		if !strings.Contains(types, want) {
			t.Errorf("no %s event in %s", want, types)
		}
	}
	var payload struct {
		Source string `json:"source"`
	}
	evs, _ := e.svc.Events(t.Context(), ws, 0, 100)
	for _, ev := range evs {
		if ev.Type == "ticket.created" {
			_ = json.Unmarshal(ev.Payload, &payload)
		}
	}
	if payload.Source != "web" {
		t.Errorf("ticket.created source %q", payload.Source)
	}
}

func TestMergeNeedsConfirmation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signup("Ada", "ada@example.com", "A")
	b.newTicket("Duplicate", "pat@example.com")
	target := b.newTicket("Original", "pat@example.com")
	p := b.get("/tickets/1")
	// Bad targets stay on the ticket page with a message.
	for _, bad := range []string{"", "abc", "99", "1"} {
		r := b.submit(p, "#merge-form", map[string]string{"target": bad}, "#merge-submit")
		if r.status != http.StatusBadRequest || r.find("#merge-target-error") == nil {
			t.Errorf("target %q: %d", bad, r.status)
		}
	}
	confirm := b.submit(p, "#merge-form", map[string]string{"target": "#2"}, "#merge-submit").wantStatus(http.StatusOK)
	checkPage(t, "merge confirm", confirm)
	if got := confirm.h1(); got != "Merge #1 into #2?" {
		t.Errorf("h1 %q", got)
	}
	// Nothing happened yet.
	if d, _ := e.svc.TicketByNumber(t.Context(), workspaceOf(t, e, "ada@example.com"), 1, true); d.Ticket.MergedIntoID != nil {
		t.Fatal("merged before confirmation")
	}
	done := b.submit(confirm, "#merge-confirm-form", nil, "#merge-confirm-submit").wantStatus(http.StatusOK)
	if !strings.Contains(done.url, "/tickets/2") || done.text("#notice") != "Ticket merged into this one." {
		t.Errorf("after merge: %s", done.url)
	}
	if n := len(done.findAll(`article[data-kind=note]`)); n != 1 {
		t.Errorf("%d notes on the target", n)
	}
	src := b.get("/tickets/1")
	if href := attr(src.must("#merged-into-link"), "href"); href != "/tickets/2" {
		t.Errorf("merged link %q", href)
	}
	if src.find("#reply-form") != nil || src.find("#merge-form") != nil {
		t.Error("a merged ticket still offers a reply or a merge")
	}
	// Posting to it anyway is a conflict.
	r := b.postRaw("/tickets/1/messages", formOf(map[string]string{"body": "hi", "kind": "reply", "csrf_token": src.csrf()}))
	if r.status != http.StatusConflict {
		t.Errorf("reply to merged: %d", r.status)
	}
	_ = target
}

func TestTicketListFiltersSearchAndPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := e.team("List")
	b := tm.owner
	for i := 1; i <= 27; i++ {
		b.newTicket(fmt.Sprintf("Question %02d", i), fmt.Sprintf("c%d@example.com", i%3))
	}
	p := b.get("/tickets")
	rows := p.findAll(`tr[data-test=ticket-row]`)
	if len(rows) != 25 || attr(rows[0], "data-ticket-number") != "27" {
		t.Fatalf("first page: %d rows, first #%s", len(rows), attr(rows[0], "data-ticket-number"))
	}
	counts := map[string]string{}
	for _, tab := range p.findAll(`a[data-test=status-tab]`) {
		counts[attr(tab, "data-status")] = text(find(tab, "[data-test=status-count]"))
	}
	if counts["new"] != "27" || counts["unresolved"] != "27" || counts["closed"] != "0" {
		t.Errorf("counts %v", counts)
	}
	older := b.get(attr(p.must("#older-link"), "href"))
	rows = older.findAll(`tr[data-test=ticket-row]`)
	if len(rows) != 2 || attr(rows[0], "data-ticket-number") != "2" || older.find("#older-link") != nil {
		t.Fatalf("second page: %d rows", len(rows))
	}
	older.must("#newest-link")

	// Search by subject, customer email and number.
	for q, want := range map[string]string{"Question 07": "7", "c1@example.com": "", "#12": "12"} {
		rows := b.get("/tickets?q=" + urlEscape(q)).findAll(`tr[data-test=ticket-row]`)
		if want == "" {
			if len(rows) != 9 {
				t.Errorf("q=%s: %d rows", q, len(rows))
			}
			continue
		}
		if len(rows) != 1 || attr(rows[0], "data-ticket-number") != want {
			t.Errorf("q=%s: %d rows", q, len(rows))
		}
	}

	// Assign #5 to the agent, set #6 urgent; then filter.
	t5 := b.get("/tickets/5")
	var agentID string
	for _, o := range t5.findAll(`#prop-assignee option`) {
		if text(o) == "List Agent" {
			agentID = attr(o, "value")
		}
	}
	b.submit(t5, "#ticket-properties-form", map[string]string{"assignee_id": agentID}, "#save-properties")
	b.submit(b.get("/tickets/6"), "#ticket-properties-form", map[string]string{"priority": "urgent"}, "#save-properties")
	mine := tm.agent.get(attr(tm.agent.get("/tickets").must("#filter-mine"), "href")).findAll(`tr[data-test=ticket-row]`)
	if len(mine) != 1 || attr(mine[0], "data-ticket-number") != "5" {
		t.Errorf("mine: %d rows", len(mine))
	}
	if n := len(b.get("/tickets?assignee=none&status=all").findAll(`tr[data-test=ticket-row]`)); n != 25 {
		t.Errorf("unassigned first page: %d", n)
	}
	if rows := b.get("/tickets?priority=urgent").findAll(`tr[data-test=ticket-row]`); len(rows) != 1 || attr(rows[0], "data-ticket-number") != "6" {
		t.Errorf("urgent: %d", len(rows))
	}
	if n := len(b.get("/tickets?status=closed").findAll(`tr[data-test=ticket-row]`)); n != 0 {
		t.Errorf("closed: %d", n)
	}
	empty := b.get("/tickets?q=nothing-matches-this")
	if !strings.Contains(empty.text("#empty-state"), "No tickets match") {
		t.Error("no empty state for a search without results")
	}
	// The filter form keeps what was chosen.
	f := b.get("/tickets?priority=urgent&q=Question")
	if attr(f.must("#filter-q"), "value") != "Question" {
		t.Error("search not kept")
	}
	if _, ok := attrOK(f.must(`#filter-priority option[value=urgent]`), "selected"); !ok {
		t.Error("priority filter not selected")
	}
}

func TestCreateTicketForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signup("Ada", "ada@example.com", "A")
	form := b.get("/tickets/new")
	r := b.submit(form, "#new-ticket-form", map[string]string{"subject": "", "description": "", "customer_email": "nope"}, "#create-ticket-submit")
	if r.status != http.StatusBadRequest {
		t.Fatalf("invalid ticket: %d", r.status)
	}
	for _, id := range []string{"#ticket-subject-error", "#ticket-description-error", "#ticket-customer-email-error"} {
		r.must(id)
	}
	p := b.submit(form, "#new-ticket-form", map[string]string{
		"subject": "Phone call", "description": "Called about billing", "customer_email": "Kim@Example.com",
		"customer_name": "Kim", "priority": "high",
	}, "#create-ticket-submit").wantStatus(http.StatusOK)
	if p.text("#notice") != "Ticket created." || p.text("#customer-link") != "Kim" {
		t.Errorf("created page: %q %q", p.text("#notice"), p.text("#customer-link"))
	}
	d, err := e.svc.TicketByNumber(t.Context(), workspaceOf(t, e, "ada@example.com"), 1, true)
	if err != nil || d.Ticket.Source != helpdesk.SourceWeb || d.Ticket.Priority != helpdesk.PriorityHigh || d.Customer.Email != "kim@example.com" {
		t.Errorf("stored ticket %+v %v", d, err)
	}
}

func urlEscape(s string) string {
	return strings.NewReplacer("#", "%23", " ", "+", "@", "%40").Replace(s)
}

func formOf(m map[string]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range m {
		out[k] = []string{v}
	}
	return out
}
