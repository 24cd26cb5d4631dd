package rowmap

import (
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TicketCustomerSelect reads a ticket, its customer and the customer's
// company in one statement, each a primary-key probe, for
// helpdesk.Reader.TicketWithCustomer. The joins repeat the workspace, as
// CustomerSelect's does, so nothing of another workspace ever shows (on
// PostgreSQL the policies would hide it too). The store adds
// `WHERE t.workspace_id = <1> AND t.id = <2>` in its placeholders.
const TicketCustomerSelect = `SELECT ` + TicketColumns + `,
		c.id, c.email, c.name, c.company_id, c.created_at, c.updated_at,
		co.id, co.name, co.domain, co.created_at
	FROM tickets t
	LEFT JOIN customers c ON c.id = t.customer_id AND c.workspace_id = t.workspace_id
	LEFT JOIN companies co ON co.id = c.company_id AND co.workspace_id = c.workspace_id`

// ticketCustomerCount is the number of TicketCustomerSelect's columns.
const ticketCustomerCount = ticketColumnCount + 10

// TicketCustomer is where the row of TicketCustomerSelect is scanned. The
// customer's columns are all NULL when the join found none, so those that
// are NOT NULL in the table go through pointers.
type TicketCustomer struct {
	ticket             Ticket
	c                  helpdesk.Customer
	cID, cEmail        *string
	cCreated, cUpdated *time.Time
	co                 companyJoin
}

// Dest returns where each of TicketCustomerSelect's columns goes, in order.
// It is small enough to inline, so the slice is made in the caller, and
// stays on its stack when the driver's Scan does not keep it (database/sql's
// does not).
func (r *TicketCustomer) Dest(s Scanners) []any {
	return r.dest(make([]any, 0, ticketCustomerCount), s)
}

// dest appends TicketCustomerSelect's destinations to d.
func (r *TicketCustomer) dest(d []any, s Scanners) []any {
	d = r.ticket.dest(d, s)
	d = append(d, s.NullString(&r.cID), s.NullString(&r.cEmail), s.NullString(&r.c.Name), s.NullString(&r.c.CompanyID),
		s.NullTime(&r.cCreated), s.NullTime(&r.cUpdated))
	return r.co.dest(d, s)
}

// Values returns the ticket and its customer (with the company), of
// workspace workspaceID. The customer is nil when it was not found beside
// the ticket. Both point into r, which saves copying them out to the heap:
// r is not to be scanned into again.
func (r *TicketCustomer) Values(workspaceID string) (*helpdesk.Ticket, *helpdesk.Customer) {
	r.ticket.fill(workspaceID)
	if r.cID == nil || r.cEmail == nil || r.cCreated == nil || r.cUpdated == nil {
		return &r.ticket.t, nil
	}
	c := &r.c
	c.ID, c.WorkspaceID, c.Email, c.CreatedAt, c.UpdatedAt = *r.cID, workspaceID, *r.cEmail, *r.cCreated, *r.cUpdated
	c.Company = r.co.value(workspaceID)
	return &r.ticket.t, c
}
