package api

import (
	"net/http"
)

// getTicket is GET /api/v1/tickets/{id}: the ticket, its customer (with the
// company) and its public messages, oldest first. Internal notes are never
// read. A merged ticket is returned as is, with its merged_into_id.
func (a *API) getTicket(w http.ResponseWriter, r *http.Request, p *principal) error {
	id := r.PathValue("id")
	if !validID(id) {
		return errNotFound
	}
	d, err := a.svc.Ticket(r.Context(), p.workspaceID(), id, false)
	if err != nil {
		return err
	}
	// appendTicketDetail leaves out internal notes too (belt and braces:
	// the read already does).
	writeEncoded(w, func(b []byte) []byte { return appendTicketDetail(b, d) })
	return nil
}
