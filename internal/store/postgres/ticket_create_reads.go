package postgres

import (
	"context"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TicketCreateReads reads a new ticket's inbox (the default one when
// inboxID is empty) and its customer by email in one round trip, each with
// the error Inbox, DefaultInbox or CustomerByEmail would have returned.
// Inside a group-commit batch every round trip of a member is time the
// members after it wait, so the ticket create's two reads share one.
func (r reader) TicketCreateReads(ctx context.Context, workspaceID, inboxID, customerEmail string) helpdesk.TicketCreateReads {
	inbox := stmt{`SELECT ` + inboxColumns + ` FROM inboxes WHERE workspace_id = $1 AND is_default`, []any{workspaceID}}
	inboxWhat := "default inbox"
	if inboxID != "" {
		inbox = stmt{`SELECT ` + inboxColumns + ` FROM inboxes WHERE workspace_id = $1 AND id = $2`, []any{workspaceID, inboxID}}
		inboxWhat = "inbox " + inboxID
	}
	customer := stmt{customerSelect + ` WHERE c.workspace_id = $1 AND c.email = $2`, []any{workspaceID, customerEmail}}
	var out helpdesk.TicketCreateReads
	br, err := r.pipeline(ctx, workspaceID, inbox, customer)
	if err != nil {
		out.InboxErr = wrapErr(err, "%s", inboxWhat)
		out.CustomerErr = out.InboxErr
		return out
	}
	in, err := scanInbox(br.QueryRow())
	if err != nil {
		out.InboxErr = wrapErr(r.note(err), "%s", inboxWhat)
	} else {
		out.Inbox = &in
	}
	c, err := scanCustomer(br.QueryRow())
	if err != nil {
		out.CustomerErr = wrapErr(r.note(err), "customer with email %q", customerEmail)
	} else {
		out.Customer = &c
	}
	if err := r.note(br.Close()); err != nil && out.InboxErr == nil && out.CustomerErr == nil {
		out.InboxErr = wrapErr(err, "%s", inboxWhat)
	}
	return out
}
