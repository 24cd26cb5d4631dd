package sqlite

import (
	"context"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

const messageColumns = `id, workspace_id, ticket_id, author_type, author_name, author_id, body, source, internal, created_at`

func scanMessage(row scanner) (helpdesk.Message, error) {
	var m helpdesk.Message
	err := row.Scan(&m.ID, &m.WorkspaceID, &m.TicketID, &m.AuthorType, &m.AuthorName, &m.AuthorID, &m.Body, &m.Source,
		&m.Internal, timeCol{&m.CreatedAt})
	return m, err
}

// Messages returns a ticket's conversation oldest first; ids are time-ordered
// UUIDs, so they break ties between messages of one microsecond. A ticket
// that does not exist in the workspace has no messages.
func (r reader) Messages(ctx context.Context, workspaceID, ticketID string, includeInternal bool) ([]helpdesk.Message, error) {
	return list(ctx, r, "messages of ticket "+ticketID, scanMessage,
		`SELECT `+messageColumns+` FROM messages
		WHERE workspace_id = ? AND ticket_id = ? AND (? OR internal = 0)
		ORDER BY created_at, id`, workspaceID, ticketID, includeInternal)
}

func (t *txn) CreateMessage(ctx context.Context, m *helpdesk.Message) error {
	_, err := t.exec(ctx, `INSERT INTO messages (`+messageColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.WorkspaceID, m.TicketID, m.AuthorType, m.AuthorName, m.AuthorID, m.Body, m.Source, m.Internal,
		micros(m.CreatedAt))
	if err != nil {
		return wrapErr(err, "create message")
	}
	return nil
}
