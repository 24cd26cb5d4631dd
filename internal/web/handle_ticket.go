package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

type ticketData struct {
	Ticket       helpdesk.Ticket
	Customer     helpdesk.Customer
	Entries      []entry
	Others       []helpdesk.TicketRow
	Members      []helpdesk.Member
	Inboxes      []helpdesk.Inbox
	AssigneeName string
	InboxName    string
	MergedInto   *helpdesk.Ticket
	NoteCount    int
	ReplyCount   int
	// Conversation is Entries as HTML (see conversationHTML).
	Conversation template.HTML
}

// entry is one item of the conversation: the ticket's description (the
// customer's first message), a public message, or an internal note.
type entry struct {
	ID         string
	Kind       string // "description", "public" or "note"
	AuthorType helpdesk.AuthorType
	AuthorName string
	Body       string
	Source     helpdesk.Source
	CreatedAt  time.Time
}

// ticketNumber reads {number} from the path; anything else is a 404.
func ticketNumber(r *http.Request) (int64, error) {
	s := strings.TrimPrefix(r.PathValue("number"), "#")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		return 0, helpdesk.ErrNotFound
	}
	return n, nil
}

func (a *App) loadTicketPage(r *http.Request, number int64) (*ticketData, error) {
	ctx := r.Context()
	ws := stateOf(r).auth.Workspace.ID
	d, err := a.svc.TicketByNumber(ctx, ws, number, true)
	if err != nil {
		return nil, err
	}
	p := &ticketData{Ticket: d.Ticket, Customer: d.Customer}
	if c, err := a.svc.Customer(ctx, ws, d.Customer.ID); err == nil {
		p.Customer = *c
	} else {
		return nil, err
	}
	p.Entries = append(p.Entries, entry{
		ID: "description", Kind: "description", AuthorType: helpdesk.AuthorCustomer,
		AuthorName: customerName(&p.Customer), Body: d.Ticket.Description, Source: d.Ticket.Source, CreatedAt: d.Ticket.CreatedAt,
	})
	for _, m := range d.Messages {
		kind := "public"
		if m.Internal {
			kind = "note"
			p.NoteCount++
		} else {
			p.ReplyCount++
		}
		p.Entries = append(p.Entries, entry{
			ID: m.ID, Kind: kind, AuthorType: m.AuthorType, AuthorName: m.AuthorName,
			Body: m.Body, Source: m.Source, CreatedAt: m.CreatedAt,
		})
	}
	others, _, err := a.svc.Tickets(ctx, ws, helpdesk.TicketFilter{CustomerID: d.Customer.ID, Limit: 6, IncludeMerged: true})
	if err != nil {
		return nil, err
	}
	for _, o := range others {
		if o.ID != d.Ticket.ID && len(p.Others) < 5 {
			p.Others = append(p.Others, o)
		}
	}
	if p.Members, err = a.svc.Members(ctx, ws); err != nil {
		return nil, err
	}
	if p.Inboxes, err = a.svc.Inboxes(ctx, ws); err != nil {
		return nil, err
	}
	if d.Ticket.AssigneeID != nil {
		p.AssigneeName = "Former member"
		for _, m := range p.Members {
			if m.UserID == *d.Ticket.AssigneeID {
				p.AssigneeName = m.Name
			}
		}
	}
	for _, in := range p.Inboxes {
		if in.ID == d.Ticket.InboxID {
			p.InboxName = in.Name
		}
	}
	if d.Ticket.MergedIntoID != nil {
		if t, err := a.svc.TicketRef(ctx, ws, *d.Ticket.MergedIntoID); err == nil {
			p.MergedInto = t
		}
	}
	return p, nil
}

func customerName(c *helpdesk.Customer) string {
	if c.Name != nil && *c.Name != "" {
		return *c.Name
	}
	return c.Email
}

func (a *App) ticketPage(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	return a.showTicket(w, r, n, http.StatusOK, nil)
}

// showTicket renders the ticket page, with f as the form that was sent when
// it failed validation.
func (a *App) showTicket(w http.ResponseWriter, r *http.Request, n int64, status int, f *form) error {
	p, err := a.loadTicketPage(r, n)
	if err != nil {
		return err
	}
	p.Conversation = a.conversationHTML(p.Entries, a.icon("ticket", "lock"))
	a.render(w, r, status, "ticket", &view{
		Title: fmt.Sprintf("#%d %s", p.Ticket.Number, p.Ticket.Subject), Nav: "tickets", Form: f, Data: p,
	})
	return nil
}

// updateTicket saves the properties form: status, priority, assignee, inbox.
func (a *App) updateTicket(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	t, err := a.svc.TicketRefByNumber(r.Context(), st.auth.Workspace.ID, n)
	if err != nil {
		return err
	}
	f := newForm("properties", r)
	var ch helpdesk.TicketChanges
	if v := f.Get("status"); v != "" {
		s := helpdesk.Status(v)
		ch.Status = &s
	}
	if v := f.Get("priority"); v != "" {
		p := helpdesk.Priority(v)
		ch.Priority = &p
	}
	if v := f.Get("inbox_id"); v != "" {
		ch.InboxID = &v
	}
	if _, ok := r.PostForm["assignee_id"]; ok {
		if v := f.Get("assignee_id"); v == "" {
			ch.ClearAssignee = true
		} else {
			ch.AssigneeID = &v
		}
	}
	if _, err := a.svc.UpdateTicket(r.Context(), st.auth.Workspace.ID, t.ID, ch); err != nil {
		if f.invalid(err, nil) {
			return a.showTicket(w, r, n, http.StatusBadRequest, f)
		}
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/tickets/%d?notice=updated", n), http.StatusSeeOther)
	return nil
}

// addMessage posts a reply to the customer or an internal note, by which
// button was pressed.
func (a *App) addMessage(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	t, err := a.svc.TicketRefByNumber(r.Context(), st.auth.Workspace.ID, n)
	if err != nil {
		return err
	}
	f := newForm("reply", r)
	note := f.Get("kind") == "note"
	name := st.auth.User.Name
	m, err := a.svc.AddMessage(r.Context(), st.auth.Workspace.ID, t.ID, helpdesk.NewMessage{
		Body: f.Get("body"), AuthorType: helpdesk.AuthorAgent, AuthorName: &name,
		AuthorID: st.auth.User.ID, Source: helpdesk.SourceWeb, Internal: note,
	})
	if err != nil {
		if f.invalid(err, map[string]string{"author_name": "body"}) {
			return a.showTicket(w, r, n, http.StatusBadRequest, f)
		}
		return err
	}
	notice := "replied"
	if note {
		notice = "noted"
	}
	http.Redirect(w, r, fmt.Sprintf("/tickets/%d?notice=%s#m-%s", n, notice, m.ID), http.StatusSeeOther)
	return nil
}

type mergeData struct {
	Source helpdesk.Ticket
	Target helpdesk.Ticket
}

// mergeTicket merges this ticket into another, in two steps: the first POST
// (without confirm) shows what will happen, the second does it.
func (a *App) mergeTicket(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	ws := st.auth.Workspace.ID
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	src, err := a.svc.TicketRefByNumber(r.Context(), ws, n)
	if err != nil {
		return err
	}
	f := newForm("merge", r)
	raw := strings.TrimPrefix(strings.TrimSpace(f.Get("target")), "#")
	targetNumber, perr := strconv.ParseInt(raw, 10, 64)
	var dst *helpdesk.Ticket
	if perr == nil {
		dst, err = a.svc.TicketRefByNumber(r.Context(), ws, targetNumber)
	}
	switch {
	case perr != nil || targetNumber < 1:
		f.Errors = map[string][]string{"target": {"Enter the number of the ticket to merge into, like 42"}}
	case helpdesk.IsCode(err, helpdesk.ENotFound):
		f.Errors = map[string][]string{"target": {fmt.Sprintf("There is no ticket #%d", targetNumber)}}
	case err != nil:
		return err
	case dst.ID == src.ID:
		f.Errors = map[string][]string{"target": {"A ticket cannot be merged into itself"}}
	}
	if f.Errors != nil {
		return a.showTicket(w, r, n, http.StatusBadRequest, f)
	}
	if f.Get("confirm") != "yes" {
		a.render(w, r, http.StatusOK, "merge_confirm", &view{
			Title: fmt.Sprintf("Merge #%d into #%d?", src.Number, dst.Number), Nav: "tickets",
			Data: mergeData{Source: *src, Target: *dst},
		})
		return nil
	}
	if _, err := a.svc.MergeTicket(r.Context(), ws, src.ID, dst.ID, st.auth.Actor(st.ip)); err != nil {
		if f.invalid(err, nil) {
			return a.showTicket(w, r, n, http.StatusBadRequest, f)
		}
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/tickets/%d?notice=merged", dst.Number), http.StatusSeeOther)
	return nil
}
