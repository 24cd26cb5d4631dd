package postgres

import (
	"context"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// ticketCustomerSelect reads a ticket, its customer and the customer's
// company in one statement, each a primary-key probe. The joins repeat the
// workspace, as customerSelect's does, so nothing of another workspace ever
// shows (the policies would hide it too).
const ticketCustomerSelect = `SELECT t.id, t.number, t.subject, t.description, t.status, t.priority, t.source,
		t.inbox_id, t.customer_id, t.assignee_id, t.merged_into_id, t.created_at, t.updated_at,
		c.id, c.email, c.name, c.company_id, c.created_at, c.updated_at,
		co.id, co.name, co.domain, co.created_at
	FROM tickets t
	LEFT JOIN customers c ON c.id = t.customer_id AND c.workspace_id = t.workspace_id
	LEFT JOIN companies co ON co.id = c.company_id AND co.workspace_id = c.workspace_id
	WHERE t.workspace_id = $1 AND t.id = $2`

// TicketWithCustomer reads a ticket and its customer (with the company) in
// one round trip instead of two, for helpdesk.Service.Ticket: the read behind
// GET /api/v1/tickets/{id}. The customer is nil when it is not found beside
// the ticket, which the foreign key rules out; the caller then reads it on
// its own, which reports that as it always has.
func (r reader) TicketWithCustomer(ctx context.Context, workspaceID, id string) (*helpdesk.Ticket, *helpdesk.Customer, error) {
	var (
		t                      helpdesk.Ticket
		c                      helpdesk.Customer
		cID, cEmail            *string
		cCreated, cUpdated     *time.Time
		coID, coName, coDomain *string
		coCreated              *time.Time
	)
	err := r.queryRow(ctx, workspaceID, ticketCustomerSelect, workspaceID, id).Scan(
		&t.ID, &t.Number, &t.Subject, &t.Description, &t.Status, &t.Priority, &t.Source,
		&t.InboxID, &t.CustomerID, &t.AssigneeID, &t.MergedIntoID, &t.CreatedAt, &t.UpdatedAt,
		&cID, &cEmail, &c.Name, &c.CompanyID, &cCreated, &cUpdated,
		&coID, &coName, &coDomain, &coCreated)
	if err != nil {
		return nil, nil, wrapErr(err, "ticket %s", id)
	}
	t.WorkspaceID = workspaceID // the query's own condition
	if cID == nil || cEmail == nil || cCreated == nil || cUpdated == nil {
		return &t, nil, nil
	}
	c.ID, c.WorkspaceID, c.Email, c.CreatedAt, c.UpdatedAt = *cID, workspaceID, *cEmail, *cCreated, *cUpdated
	if coID != nil && coName != nil && coCreated != nil {
		c.Company = &helpdesk.Company{
			ID: *coID, WorkspaceID: workspaceID, Name: *coName, Domain: coDomain, CreatedAt: *coCreated,
		}
	}
	return &t, &c, nil
}
