package postgres

import (
	"context"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

const ticketColumns = `t.id, t.workspace_id, t.number, t.subject, t.description, t.status, t.priority, t.source,
	t.inbox_id, t.customer_id, t.assignee_id, t.merged_into_id, t.created_at, t.updated_at`

// ticketDest lists where scanning ticketColumns puts each column.
func ticketDest(t *helpdesk.Ticket) []any {
	return []any{&t.ID, &t.WorkspaceID, &t.Number, &t.Subject, &t.Description, &t.Status, &t.Priority, &t.Source,
		&t.InboxID, &t.CustomerID, &t.AssigneeID, &t.MergedIntoID, &t.CreatedAt, &t.UpdatedAt}
}

func (r reader) Ticket(ctx context.Context, workspaceID, id string) (*helpdesk.Ticket, error) {
	var t helpdesk.Ticket
	err := r.queryRow(ctx, workspaceID, `SELECT `+ticketColumns+` FROM tickets t WHERE t.workspace_id = $1 AND t.id = $2`,
		workspaceID, id).Scan(ticketDest(&t)...)
	if err != nil {
		return nil, wrapErr(err, "ticket %s", id)
	}
	return &t, nil
}

func (r reader) TicketByNumber(ctx context.Context, workspaceID string, number int64) (*helpdesk.Ticket, error) {
	var t helpdesk.Ticket
	err := r.queryRow(ctx, workspaceID, `SELECT `+ticketColumns+` FROM tickets t WHERE t.workspace_id = $1 AND t.number = $2`,
		workspaceID, number).Scan(ticketDest(&t)...)
	if err != nil {
		return nil, wrapErr(err, "ticket #%d", number)
	}
	return &t, nil
}

// CreateTicket's insert is deferred (txn.deferWrite): it goes out with the
// transaction's next statement, typically the ticket.created event.
func (t *txn) CreateTicket(ctx context.Context, tk *helpdesk.Ticket) error {
	return t.deferWrite(ctx, tk.WorkspaceID, "create ticket",
		`INSERT INTO tickets (id, workspace_id, number, subject, description, status, priority, source,
			inbox_id, customer_id, assignee_id, merged_into_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		tk.ID, tk.WorkspaceID, tk.Number, tk.Subject, tk.Description, tk.Status, tk.Priority, tk.Source,
		tk.InboxID, tk.CustomerID, tk.AssigneeID, tk.MergedIntoID, tk.CreatedAt, tk.UpdatedAt)
}

// UpdateTicket writes every mutable field. Number, description, source,
// customer and created_at never change after creation.
func (t *txn) UpdateTicket(ctx context.Context, tk *helpdesk.Ticket) error {
	return t.execOne(ctx, tk.WorkspaceID, "update ticket "+tk.ID,
		`UPDATE tickets SET subject = $1, status = $2, priority = $3, inbox_id = $4, assignee_id = $5,
			merged_into_id = $6, updated_at = $7
		WHERE workspace_id = $8 AND id = $9`,
		tk.Subject, tk.Status, tk.Priority, tk.InboxID, tk.AssigneeID, tk.MergedIntoID, tk.UpdatedAt,
		tk.WorkspaceID, tk.ID)
}
