package api

import (
	"encoding/json"
	"net/http"
)

// Page sizes of GET /api/v1/events.
const (
	defaultEventPage = 50
	maxEventPage     = 100
)

type eventPage struct {
	Data       []json.RawMessage `json:"data"`
	NextCursor string            `json:"next_cursor"`
}

// listEvents is GET /api/v1/events: the workspace's events oldest first, each
// the exact flat object its webhook carries. next_cursor always continues
// after the last event returned, or repeats the position asked for when
// there is nothing new, so a client can poll with it forever.
func (a *API) listEvents(w http.ResponseWriter, r *http.Request, p *principal) error {
	q := parseQuery(r.URL.RawQuery)
	limit := q.limit("limit", defaultEventPage, maxEventPage)
	var after int64
	if s, ok := q.get("after"); ok {
		n, valid := a.decodeCursor(cursorEvents, p.workspaceID(), s)
		if !valid {
			q.errs.Add("after", "Invalid cursor")
		}
		after = n
	}
	if err := q.err(); err != nil {
		return err
	}
	events, err := a.svc.Events(r.Context(), p.workspaceID(), after, limit)
	if err != nil {
		return err
	}
	page := eventPage{Data: make([]json.RawMessage, 0, len(events))}
	last := after
	for _, e := range events {
		page.Data = append(page.Data, e.Payload)
		last = e.Seq
	}
	page.NextCursor = a.encodeCursor(cursorEvents, p.workspaceID(), last)
	writeJSON(w, http.StatusOK, page)
	return nil
}
