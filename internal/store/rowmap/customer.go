package rowmap

import (
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// CustomerSelect reads a customer with its company, when it has one. The
// join repeats the workspace so a company of another workspace never
// shows. The store adds its WHERE clause on c.
const CustomerSelect = `SELECT c.id, c.workspace_id, c.email, c.name, c.company_id, c.created_at, c.updated_at,
		co.id, co.name, co.domain, co.created_at
	FROM customers c
	LEFT JOIN companies co ON co.id = c.company_id AND co.workspace_id = c.workspace_id`

// customerSelectCount is the number of CustomerSelect's columns.
const customerSelectCount = 11

// Customer is where a row of CustomerSelect is scanned.
type Customer struct {
	c  helpdesk.Customer
	co companyJoin
}

// Dest returns where each of CustomerSelect's columns goes, in order. Like
// TicketCustomer.Dest, it inlines, so the slice can stay on the caller's
// stack.
func (r *Customer) Dest(s Scanners) []any {
	return r.dest(make([]any, 0, customerSelectCount), s)
}

// dest appends CustomerSelect's destinations to d.
func (r *Customer) dest(d []any, s Scanners) []any {
	c := &r.c
	d = append(d, &c.ID, &c.WorkspaceID, &c.Email,
		s.NullString(&c.Name), s.NullString(&c.CompanyID), s.Time(&c.CreatedAt), s.Time(&c.UpdatedAt))
	return r.co.dest(d, s)
}

// Value is the customer scanned, with its company.
func (r *Customer) Value() helpdesk.Customer {
	c := r.c
	c.Company = r.co.value(c.WorkspaceID)
	return c
}

// companyJoin is where the columns of a LEFT JOINed company are scanned
// (co.id, co.name, co.domain, co.created_at): all NULL when the customer
// has none.
type companyJoin struct {
	id, name, domain *string
	createdAt        *time.Time
}

// dest appends the company columns' destinations to d.
func (r *companyJoin) dest(d []any, s Scanners) []any {
	return append(d, s.NullString(&r.id), s.NullString(&r.name), s.NullString(&r.domain), s.NullTime(&r.createdAt))
}

// value is the company scanned, of workspace workspaceID, or nil for none.
// The columns read are NOT NULL in the table, so they come all set or all
// NULL; each is checked anyway, so that a row that breaks that is no
// company rather than a nil dereference.
func (r *companyJoin) value(workspaceID string) *helpdesk.Company {
	if r.id == nil || r.name == nil || r.createdAt == nil {
		return nil
	}
	return &helpdesk.Company{ID: *r.id, WorkspaceID: workspaceID, Name: *r.name, Domain: r.domain, CreatedAt: *r.createdAt}
}
