package api

import (
	"net/http"
	"strings"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// Page sizes of GET /api/v1/tickets.
const (
	defaultTicketPage = 20
	maxTicketPage     = helpdesk.MaxTicketPage
)

// ticketPage is the list's JSON as a struct. The handler encodes the list by
// hand (ticket_json.go); the tests compare that with json.Marshal of this.
type ticketPage struct {
	Data       []ticketObject `json:"data"`
	NextCursor *string        `json:"next_cursor"`
}

// listTickets is GET /api/v1/tickets: the workspace's unmerged tickets,
// newest first, by keyset on the ticket number. A cursor holds the number of
// the last ticket of the previous page, so tickets created while a client
// pages appear only before its first page and nothing shifts under it.
func (a *API) listTickets(w http.ResponseWriter, r *http.Request, p *principal) error {
	q := parseQuery(r.URL.RawQuery)
	f := helpdesk.TicketFilter{Limit: q.limit("limit", defaultTicketPage, maxTicketPage)}
	if s, ok := q.get("status"); ok {
		for part := range strings.SplitSeq(s, ",") {
			st := helpdesk.Status(part)
			if !st.Valid() {
				q.errs.Add("status", "Must be one or more of new, open, pending, closed, separated by commas")
				break
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	if s, ok := q.get("cursor"); ok {
		n, valid := a.decodeCursor(cursorTickets, p.workspaceID(), s)
		if !valid || n < 1 {
			q.errs.Add("cursor", "Invalid cursor")
		}
		f.BeforeNumber = n
	}
	if err := q.err(); err != nil {
		return err
	}

	// The page may come from the cache (ticket_list_cache.go), which needs
	// the version read after the request arrived: with the rate limit's
	// decision when the limiter reads it, otherwise now. Without a version
	// the page is read and not kept; a store that cannot answer this will
	// say so when asked for the page.
	version := p.ticketsVersion
	if version < 0 {
		if v, err := a.svc.Store().TicketsVersion(r.Context(), p.workspaceID()); err == nil {
			version = v
		}
	}
	key := newPageKey(p.workspaceID(), f)
	if version >= 0 {
		if body, ok := a.pages.get(key, version); ok {
			a.metrics.listPages.Inc("cache")
			writeRaw(w, http.StatusOK, body)
			return nil
		}
	}

	tickets, more, err := a.svc.TicketPage(r.Context(), p.workspaceID(), f)
	if err != nil {
		return err
	}
	a.metrics.listPages.Inc("database")
	var next string
	if more && len(tickets) > 0 {
		next = a.encodeCursor(cursorTickets, p.workspaceID(), tickets[len(tickets)-1].Number)
	}
	writeEncoded(w, func(b []byte) []byte {
		b = appendTicketList(b, tickets, next)
		if version >= 0 {
			a.pages.put(key, version, b)
		}
		return b
	})
	return nil
}
