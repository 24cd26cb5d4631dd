package sqlite

import (
	"context"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TicketCreateReads makes a ticket create's two reads one after another:
// in process, a statement costs no round trip to save.
func (r reader) TicketCreateReads(ctx context.Context, workspaceID, inboxID, customerEmail string) helpdesk.TicketCreateReads {
	var out helpdesk.TicketCreateReads
	if inboxID == "" {
		out.Inbox, out.InboxErr = r.DefaultInbox(ctx, workspaceID)
	} else {
		out.Inbox, out.InboxErr = r.Inbox(ctx, workspaceID, inboxID)
	}
	out.Customer, out.CustomerErr = r.CustomerByEmail(ctx, workspaceID, customerEmail)
	return out
}
