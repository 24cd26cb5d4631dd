package postgres

import (
	"context"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/rowmap"
)

// ticketCustomerSelect is rowmap's, for one ticket of a workspace.
const ticketCustomerSelect = rowmap.TicketCustomerSelect + ` WHERE t.workspace_id = $1 AND t.id = $2`

// TicketWithCustomer reads a ticket and its customer (with the company) in
// one round trip instead of two, for helpdesk.Service.Ticket: the read behind
// GET /api/v1/tickets/{id}. The customer is nil when it is not found beside
// the ticket, which the foreign key rules out (helpdesk.Service then
// answers ErrNotFound).
func (r reader) TicketWithCustomer(ctx context.Context, workspaceID, id string) (*helpdesk.Ticket, *helpdesk.Customer, error) {
	var row rowmap.TicketCustomer
	if err := r.queryRow(ctx, workspaceID, ticketCustomerSelect, workspaceID, id).Scan(row.Dest(scanners{})...); err != nil {
		return nil, nil, wrapErr(err, "ticket %s", id)
	}
	t, c := row.Values(workspaceID)
	return t, c, nil
}
