package storetest

import (
	"errors"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// testTicketsVersion: the version moves with every committed create,
// update and merge of a workspace's tickets, and with nothing else — not a
// read, not a rolled-back change, not another workspace's tickets, not the
// workspace's other rows.
func testTicketsVersion(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	w := seed(t, s, "alpha")
	other := seed(t, s, "beta")

	version := func(what string) int64 {
		t.Helper()
		v, err := s.TicketsVersion(ctx, w.WS.ID)
		if err != nil {
			t.Fatalf("%s: TicketsVersion: %v", what, err)
		}
		return v
	}
	last := version("after seeding")
	moved := func(what string) {
		t.Helper()
		if v := version(what); v <= last {
			t.Errorf("%s: version %d, want more than %d", what, v, last)
		} else {
			last = v
		}
	}
	still := func(what string) {
		t.Helper()
		if v := version(what); v != last {
			t.Errorf("%s: version %d, want it unchanged at %d", what, v, last)
		}
	}

	_, err := s.TicketPage(ctx, w.WS.ID, helpdesk.TicketFilter{})
	noErr(t, err)
	_, err = s.Ticket(ctx, w.WS.ID, w.Ticket.ID)
	noErr(t, err)
	still("reads")

	second := w.Ticket
	second.ID, second.Subject, second.CreatedAt, second.UpdatedAt = newID(), "Second", at(30), at(30)
	inTx(t, s, func(tx helpdesk.Tx) error {
		n, err := tx.NextTicketNumber(ctx, w.WS.ID)
		second.Number = n
		return errors.Join(err, tx.CreateTicket(ctx, &second))
	})
	moved("a ticket created")

	errAbort := errors.New("abort")
	err = s.InTx(ctx, func(tx helpdesk.Tx) error {
		tk := second
		tk.Status = helpdesk.StatusClosed
		return errors.Join(tx.UpdateTicket(ctx, &tk), errAbort)
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("InTx returned %v, want fn's error", err)
	}
	still("an update rolled back")

	inTx(t, s, func(tx helpdesk.Tx) error {
		return tx.CreateMessage(ctx, &helpdesk.Message{ID: newID(), WorkspaceID: w.WS.ID, TicketID: w.Ticket.ID,
			AuthorType: helpdesk.AuthorCustomer, AuthorName: "Jane", Body: "More", Source: helpdesk.SourceAPI,
			CreatedAt: at(31)})
	})
	still("a message alone (the service updates its ticket in the same transaction)")

	inTx(t, s, func(tx helpdesk.Tx) error {
		tk := other.Ticket
		tk.Status = helpdesk.StatusPending
		return tx.UpdateTicket(ctx, &tk)
	})
	still("another workspace's ticket updated")

	second.Status = helpdesk.StatusPending
	second.UpdatedAt = at(32)
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.UpdateTicket(ctx, &second) })
	moved("a ticket updated")

	// A merge writes both tickets in one transaction.
	first := w.Ticket
	first.Status, first.MergedIntoID, first.UpdatedAt = helpdesk.StatusClosed, &second.ID, at(33)
	second.UpdatedAt = at(33)
	inTx(t, s, func(tx helpdesk.Tx) error {
		return errors.Join(tx.UpdateTicket(ctx, &first), tx.UpdateTicket(ctx, &second))
	})
	moved("two tickets merged")

	_, err = s.TicketsVersion(ctx, unknownID())
	wantNotFound(t, "TicketsVersion of an unknown workspace", err)
}
