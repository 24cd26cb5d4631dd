package storetest

import (
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// testTicketCreateReads: the create's reads answer what Inbox,
// DefaultInbox and CustomerByEmail answer, and see nothing of another
// workspace (on PostgreSQL they go out together, under one workspace
// setting).
func testTicketCreateReads(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	a := seed(t, s, "alpha")
	b := seed(t, s, "beta")
	check := func(how string, r helpdesk.Tx) {
		t.Helper()
		got := r.TicketCreateReads(ctx, a.WS.ID, "", a.Customer.Email)
		noErr(t, got.InboxErr)
		noErr(t, got.CustomerErr)
		equal(t, how+": default inbox", got.Inbox, &a.Inbox)
		want, err := s.CustomerByEmail(ctx, a.WS.ID, a.Customer.Email)
		noErr(t, err)
		equal(t, how+": customer", got.Customer, want)

		got = r.TicketCreateReads(ctx, a.WS.ID, a.Inbox.ID, "nobody@alpha.example")
		noErr(t, got.InboxErr)
		equal(t, how+": chosen inbox", got.Inbox, &a.Inbox)
		wantNotFound(t, how+": unknown customer", got.CustomerErr)

		got = r.TicketCreateReads(ctx, a.WS.ID, b.Inbox.ID, b.Customer.Email)
		wantNotFound(t, how+": another workspace's inbox", got.InboxErr)
		wantNotFound(t, how+": another workspace's customer", got.CustomerErr)
		if got.Inbox != nil || got.Customer != nil {
			t.Errorf("%s: another workspace's rows came back: %v, %v", how, got.Inbox, got.Customer)
		}
	}
	inTx(t, s, func(tx helpdesk.Tx) error {
		check("transaction", tx)
		return nil
	})
}
