package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// ticketPageSize is how many tickets a list page shows.
const ticketPageSize = 25

// statusTab is one tab above the ticket list.
type statusTab struct {
	Key     string
	Label   string
	Count   int
	URL     string
	Current bool
}

// quickFilter is one of the Everyone / Mine / Unassigned switches.
type quickFilter struct {
	Key     string
	Label   string
	URL     string
	Current bool
}

type ticketListData struct {
	Rows     []helpdesk.TicketRow
	Tabs     []statusTab
	Quick    []quickFilter
	Status   string
	Priority string
	InboxID  string
	Assignee string
	Query    string
	Inboxes  []helpdesk.Inbox
	Members  []helpdesk.Member
	OlderURL string
	// FirstURL leads back to the newest tickets when paging.
	FirstURL string
	// Filtered says a filter or search narrowed the list (for the empty state).
	Filtered bool
	// NoTickets says the workspace has no tickets at all: show how to start.
	NoTickets bool
	Start     *gettingStarted
}

// gettingStarted is the panel a new workspace sees on its empty ticket list.
type gettingStarted struct {
	Curl      string
	APIURL    string
	CanManage bool
	Welcome   bool
}

func (a *App) ticketList(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	ws := st.auth.Workspace.ID
	q := r.URL.Query()
	p := ticketListData{
		Status:   orDefault(q.Get("status"), "unresolved"),
		Priority: q.Get("priority"),
		InboxID:  q.Get("inbox"),
		Assignee: q.Get("assignee"),
		Query:    strings.TrimSpace(q.Get("q")),
	}
	f := helpdesk.TicketFilter{Limit: ticketPageSize, Query: p.Query, InboxID: p.InboxID}
	switch p.Status {
	case "unresolved":
		f.Statuses = []helpdesk.Status{helpdesk.StatusNew, helpdesk.StatusOpen, helpdesk.StatusPending}
	case "all":
	default:
		s := helpdesk.Status(p.Status)
		if !s.Valid() {
			return helpdesk.Errorf(helpdesk.EInvalid, "Unknown status")
		}
		f.Statuses = []helpdesk.Status{s}
	}
	if p.Priority != "" {
		pr := helpdesk.Priority(p.Priority)
		if !pr.Valid() {
			return helpdesk.Errorf(helpdesk.EInvalid, "Unknown priority")
		}
		f.Priorities = []helpdesk.Priority{pr}
	}
	switch p.Assignee {
	case "":
	case "me":
		f.AssigneeID = st.auth.User.ID
	case "none":
		f.Unassigned = true
	default:
		f.AssigneeID = p.Assignee
	}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 1 {
			return helpdesk.Errorf(helpdesk.EInvalid, "Unknown page")
		}
		f.BeforeNumber = n
	}
	rows, more, err := a.svc.Tickets(r.Context(), ws, f)
	if err != nil {
		return err
	}
	counts, err := a.svc.CountTickets(r.Context(), ws)
	if err != nil {
		return err
	}
	if p.Inboxes, err = a.svc.Inboxes(r.Context(), ws); err != nil {
		return err
	}
	if p.Members, err = a.svc.Members(r.Context(), ws); err != nil {
		return err
	}
	p.Rows = rows

	base := url.Values{}
	for _, k := range []string{"status", "priority", "inbox", "assignee", "q"} {
		if v := q.Get(k); v != "" {
			base.Set(k, v)
		}
	}
	unresolved, total := 0, 0
	for s, n := range counts {
		total += n
		if s != helpdesk.StatusClosed {
			unresolved += n
		}
	}
	addTab := func(key, label string, n int) {
		p.Tabs = append(p.Tabs, statusTab{Key: key, Label: label, Count: n, URL: listURL(base, "status", key), Current: p.Status == key})
	}
	addTab("unresolved", "Unresolved", unresolved)
	for _, s := range helpdesk.Statuses {
		addTab(string(s), label(s), counts[s])
	}
	addTab("all", "All", total)
	for _, qf := range []struct{ key, label string }{{"", "Everyone"}, {"me", "Mine"}, {"none", "Unassigned"}} {
		p.Quick = append(p.Quick, quickFilter{Key: qf.key, Label: qf.label, URL: listURL(base, "assignee", qf.key), Current: p.Assignee == qf.key})
	}
	if more && len(rows) > 0 {
		older := cloneValues(base)
		older.Set("before", strconv.FormatInt(rows[len(rows)-1].Number, 10))
		p.OlderURL = "/tickets?" + older.Encode()
	}
	if f.BeforeNumber > 0 {
		p.FirstURL = "/tickets"
		if len(base) > 0 {
			p.FirstURL += "?" + base.Encode()
		}
	}
	p.Filtered = p.Query != "" || p.Priority != "" || p.InboxID != "" || p.Assignee != "" || p.Status != "unresolved"
	p.NoTickets = total == 0
	if p.NoTickets {
		p.Start = a.gettingStarted(r, st, q.Get("welcome") == "1")
	}
	a.render(w, r, http.StatusOK, "tickets", &view{Title: "Tickets", Nav: "tickets", Data: p})
	return nil
}

// listURL is the ticket list with one filter changed (paging restarts).
func listURL(base url.Values, key, value string) string {
	v := cloneValues(base)
	if value == "" {
		v.Del(key)
	} else {
		v.Set(key, value)
	}
	if key == "status" && value == "unresolved" {
		v.Del("status")
	}
	if len(v) == 0 {
		return "/tickets"
	}
	return "/tickets?" + v.Encode()
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// baseURL is where people reach this server: --public-url, or the scheme and
// host of the request.
func (a *App) baseURL(r *http.Request) string {
	if a.publicURL != "" {
		return a.publicURL
	}
	scheme := "http"
	if stateOf(r).https {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (a *App) gettingStarted(r *http.Request, st *state, welcome bool) *gettingStarted {
	api := a.baseURL(r) + "/api/v1/tickets"
	return &gettingStarted{
		APIURL:    api,
		Curl:      curlExample(api, "$TIXALLO_API_KEY"),
		CanManage: st.auth.Member.Role.CanManage(),
		Welcome:   welcome,
	}
}

// curlExample is the command that creates a first ticket.
func curlExample(apiURL, key string) string {
	return fmt.Sprintf(`curl -X POST %s \
  -H "Authorization: Bearer %s" \
  -H "Content-Type: application/json" \
  -d '{"subject": "My first ticket", "description": "Hello from curl!", "customer_email": "jane@example.com"}'`, apiURL, key)
}

// --- new ticket ---

type newTicketData struct {
	Inboxes []helpdesk.Inbox
	Members []helpdesk.Member
}

func (a *App) loadNewTicket(r *http.Request) (newTicketData, error) {
	ws := stateOf(r).auth.Workspace.ID
	var p newTicketData
	var err error
	if p.Inboxes, err = a.svc.Inboxes(r.Context(), ws); err != nil {
		return p, err
	}
	p.Members, err = a.svc.Members(r.Context(), ws)
	return p, err
}

func (a *App) newTicketPage(w http.ResponseWriter, r *http.Request) error {
	p, err := a.loadNewTicket(r)
	if err != nil {
		return err
	}
	f := newForm("new-ticket", nil)
	f.Values.Set("priority", string(helpdesk.PriorityMedium))
	if email := r.URL.Query().Get("customer_email"); email != "" {
		f.Values.Set("customer_email", email)
	}
	for _, in := range p.Inboxes {
		if in.IsDefault {
			f.Values.Set("inbox_id", in.ID)
		}
	}
	a.render(w, r, http.StatusOK, "ticket_new", &view{Title: "New ticket", Nav: "tickets", Form: f, Data: p})
	return nil
}

func (a *App) createTicket(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	f := newForm("new-ticket", r)
	pr := helpdesk.Priority(f.Get("priority"))
	in := helpdesk.NewTicket{
		Subject:       f.Get("subject"),
		Description:   f.Get("description"),
		CustomerEmail: f.Get("customer_email"),
		Priority:      &pr,
		Source:        helpdesk.SourceWeb,
		InboxID:       f.Get("inbox_id"),
		AssigneeID:    f.Get("assignee_id"),
	}
	if name := strings.TrimSpace(f.Get("customer_name")); name != "" {
		in.CustomerName = &name
	}
	t, err := a.svc.CreateTicket(r.Context(), st.auth.Workspace.ID, in)
	if err != nil {
		if f.invalid(err, nil) {
			p, err := a.loadNewTicket(r)
			if err != nil {
				return err
			}
			a.render(w, r, http.StatusBadRequest, "ticket_new", &view{Title: "New ticket", Nav: "tickets", Form: f, Data: p})
			return nil
		}
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/tickets/%d?notice=created", t.Number), http.StatusSeeOther)
	return nil
}
