package sqlite

import (
	"context"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TicketCreateReads makes a ticket create's two reads one after another:
// in process, a statement costs no round trip to save.
func (t *txn) TicketCreateReads(ctx context.Context, workspaceID, inboxID, customerEmail string) helpdesk.TicketCreateReads {
	var out helpdesk.TicketCreateReads
	if inboxID == "" {
		out.Inbox, out.InboxErr = t.DefaultInbox(ctx, workspaceID)
	} else {
		out.Inbox, out.InboxErr = t.Inbox(ctx, workspaceID, inboxID)
	}
	out.Customer, out.CustomerErr = t.CustomerByEmail(ctx, workspaceID, customerEmail)
	return out
}
