package rowmap

import "github.com/tixallo/tixallo/internal/helpdesk"

// TicketColumns are a ticket's columns under the alias t, but for its
// workspace_id, which the caller passed in and the WHERE clause states.
const TicketColumns = `t.id, t.number, t.subject, t.description, t.status, t.priority, t.source,
	t.inbox_id, t.customer_id, t.assignee_id, t.merged_into_id, t.created_at, t.updated_at`

// ticketColumnCount is the number of TicketColumns.
const ticketColumnCount = 13

// Ticket is where a row of TicketColumns is scanned. One Ticket can serve
// every row of a list: Value copies what was scanned.
type Ticket struct {
	t helpdesk.Ticket
	// The enumerated columns go through plain strings, which both drivers
	// assign directly; their named types (helpdesk.Status, …) take the
	// drivers' reflection paths.
	status, priority, source string
}

// Dest returns where each of TicketColumns goes, in order.
func (r *Ticket) Dest(s Scanners) []any {
	return r.dest(make([]any, 0, ticketColumnCount), s)
}

// dest appends TicketColumns' destinations to d.
func (r *Ticket) dest(d []any, s Scanners) []any {
	t := &r.t
	return append(d, &t.ID, &t.Number, &t.Subject, &t.Description, &r.status, &r.priority, &r.source,
		&t.InboxID, &t.CustomerID, s.NullString(&t.AssigneeID), s.NullString(&t.MergedIntoID),
		s.Time(&t.CreatedAt), s.Time(&t.UpdatedAt))
}

// Value is the ticket scanned, of workspace workspaceID.
func (r *Ticket) Value(workspaceID string) helpdesk.Ticket {
	r.fill(workspaceID)
	return r.t
}

// fill completes r.t from the columns that do not scan into it directly.
func (r *Ticket) fill(workspaceID string) {
	r.t.WorkspaceID = workspaceID
	r.t.Status, r.t.Priority, r.t.Source = helpdesk.Status(r.status), helpdesk.Priority(r.priority), helpdesk.Source(r.source)
}
