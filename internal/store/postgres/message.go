package postgres

import (
	"context"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

const messageColumns = `id, workspace_id, ticket_id, author_type, author_name, author_id, body, source, internal, created_at`

func scanMessage(row scanner) (helpdesk.Message, error) {
	var m helpdesk.Message
	err := row.Scan(&m.ID, &m.WorkspaceID, &m.TicketID, &m.AuthorType, &m.AuthorName, &m.AuthorID, &m.Body, &m.Source,
		&m.Internal, &m.CreatedAt)
	return m, err
}

// Messages returns a ticket's conversation oldest first; ids are time-ordered
// UUIDs, so they break ties between messages of one microsecond. A ticket
// that does not exist in the workspace has no messages.
func (r reader) Messages(ctx context.Context, workspaceID, ticketID string, includeInternal bool) ([]helpdesk.Message, error) {
	return list(ctx, r, workspaceID, "messages of ticket "+ticketID, scanMessage,
		`SELECT `+messageColumns+` FROM messages
		WHERE workspace_id = $1 AND ticket_id = $2 AND ($3 OR NOT internal)
		ORDER BY created_at, id`, workspaceID, ticketID, includeInternal)
}

// CreateMessage's insert is deferred (txn.deferWrite): it goes out with the
// transaction's next statement, typically the ticket's update.
func (t *txn) CreateMessage(ctx context.Context, m *helpdesk.Message) error {
	return t.deferWrite(ctx, m.WorkspaceID, "create message",
		`INSERT INTO messages (`+messageColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		m.ID, m.WorkspaceID, m.TicketID, m.AuthorType, m.AuthorName, m.AuthorID, m.Body, m.Source, m.Internal,
		m.CreatedAt)
}
