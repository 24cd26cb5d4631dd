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
	want, err := s.CustomerByEmail(ctx, a.WS.ID, a.Customer.Email)
	noErr(t, err)
	inTx(t, s, func(tx helpdesk.Tx) error {
		got := tx.TicketCreateReads(ctx, a.WS.ID, "", a.Customer.Email)
		noErr(t, got.InboxErr)
		noErr(t, got.CustomerErr)
		equal(t, "default inbox", got.Inbox, &a.Inbox)
		equal(t, "customer", got.Customer, want)

		got = tx.TicketCreateReads(ctx, a.WS.ID, a.Inbox.ID, "nobody@alpha.example")
		noErr(t, got.InboxErr)
		equal(t, "chosen inbox", got.Inbox, &a.Inbox)
		wantNotFound(t, "unknown customer", got.CustomerErr)

		got = tx.TicketCreateReads(ctx, a.WS.ID, b.Inbox.ID, b.Customer.Email)
		wantNotFound(t, "another workspace's inbox", got.InboxErr)
		wantNotFound(t, "another workspace's customer", got.CustomerErr)
		if got.Inbox != nil || got.Customer != nil {
			t.Errorf("another workspace's rows came back: %v, %v", got.Inbox, got.Customer)
		}
		return nil
	})
}
