package storetest

import (
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// testTicketCreateReads: the create's reads answer what Inbox,
// DefaultInbox and CustomerByEmail answer, and see nothing of another
// workspace (on PostgreSQL they go out together, under one workspace
// setting), both inside a transaction and outside, where CreateTicket
// makes them first.
func testTicketCreateReads(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	a := seed(t, s, "alpha")
	b := seed(t, s, "beta")
	want, err := s.CustomerByEmail(ctx, a.WS.ID, a.Customer.Email)
	noErr(t, err)
	check := func(where string, r helpdesk.Reader) {
		t.Helper()
		got := r.TicketCreateReads(ctx, a.WS.ID, "", a.Customer.Email)
		noErr(t, got.InboxErr)
		noErr(t, got.CustomerErr)
		equal(t, where+": default inbox", got.Inbox, &a.Inbox)
		equal(t, where+": customer", got.Customer, want)

		got = r.TicketCreateReads(ctx, a.WS.ID, a.Inbox.ID, "nobody@alpha.example")
		noErr(t, got.InboxErr)
		equal(t, where+": chosen inbox", got.Inbox, &a.Inbox)
		wantNotFound(t, where+": unknown customer", got.CustomerErr)

		got = r.TicketCreateReads(ctx, a.WS.ID, b.Inbox.ID, b.Customer.Email)
		wantNotFound(t, where+": another workspace's inbox", got.InboxErr)
		wantNotFound(t, where+": another workspace's customer", got.CustomerErr)
		if got.Inbox != nil || got.Customer != nil {
			t.Errorf("%s: another workspace's rows came back: %v, %v", where, got.Inbox, got.Customer)
		}
	}
	check("outside a transaction", s)
	inTx(t, s, func(tx helpdesk.Tx) error {
		check("in a transaction", tx)
		return nil
	})
}
