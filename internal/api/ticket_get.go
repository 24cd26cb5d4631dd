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
	out := ticketDetailObject{
		ticketObject: newTicketObject(&d.Ticket),
		Customer:     newCustomerObject(&d.Customer),
		Messages:     make([]messageObject, 0, len(d.Messages)),
	}
	for i := range d.Messages {
		if d.Messages[i].Internal {
			continue // belt and braces: the read already leaves them out
		}
		out.Messages = append(out.Messages, newMessageObject(&d.Messages[i]))
	}
	writeJSON(w, http.StatusOK, dataObject[ticketDetailObject]{out})
	return nil
}
