package storetest

import (
	"errors"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// testTxRollback proves that a transaction whose fn fails leaves nothing
// behind, and that InTx returns fn's error itself.
func testTxRollback(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	errAbort := errors.New("abort")
	var w *world
	err := s.InTx(ctx, func(tx helpdesk.Tx) error {
		// Everything seed writes, but in this transaction.
		w = &world{}
		w.WS = helpdesk.Workspace{ID: newID(), Name: "Ghost", Slug: "ghost", CreatedAt: at(0)}
		w.Inbox = helpdesk.Inbox{ID: newID(), WorkspaceID: w.WS.ID, Name: "Support", IsDefault: true, CreatedAt: at(1)}
		w.Customer = helpdesk.Customer{ID: newID(), WorkspaceID: w.WS.ID, Email: "c@ghost.example", CreatedAt: at(2), UpdatedAt: at(2)}
		w.Owner = helpdesk.User{ID: newID(), Email: "o@ghost.example", Name: "O", CreatedAt: at(3), UpdatedAt: at(3)}
		w.Key = helpdesk.APIKey{ID: newID(), WorkspaceID: w.WS.ID, Name: "k", KeyID: newKeyID(), Hash: []byte("h"),
			Scope: helpdesk.ScopeRead, CreatedAt: at(4), CreatedBy: helpdesk.ActorCLI}
		w.Event = helpdesk.Event{ID: newID(), WorkspaceID: w.WS.ID, Type: helpdesk.EventCustomerCreated, Payload: []byte(`{}`), CreatedAt: at(5)}
		if err := errors.Join(
			tx.CreateWorkspace(ctx, &w.WS),
			tx.CreateInbox(ctx, &w.Inbox),
			tx.CreateCustomer(ctx, &w.Customer),
			tx.CreateUser(ctx, &w.Owner),
			tx.CreateAPIKey(ctx, &w.Key),
			tx.CreateEvent(ctx, &w.Event),
		); err != nil {
			return err
		}
		n, err := tx.NextTicketNumber(ctx, w.WS.ID)
		if err != nil {
			return err
		}
		tk := helpdesk.Ticket{ID: newID(), WorkspaceID: w.WS.ID, Number: n, Subject: "s", Description: "d",
			Status: helpdesk.StatusNew, Priority: helpdesk.PriorityLow, Source: helpdesk.SourceAPI,
			InboxID: w.Inbox.ID, CustomerID: w.Customer.ID, CreatedAt: at(6), UpdatedAt: at(6)}
		if err := tx.CreateTicket(ctx, &tk); err != nil {
			return err
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("InTx returned %v, want fn's error", err)
	}

	_, err = s.Workspace(ctx, w.WS.ID)
	wantNotFound(t, "rolled-back workspace", err)
	_, err = s.WorkspaceBySlug(ctx, "ghost")
	wantNotFound(t, "rolled-back slug", err)
	_, err = s.User(ctx, w.Owner.ID)
	wantNotFound(t, "rolled-back user", err)
	_, err = s.APIKeyByKeyID(ctx, w.Key.KeyID)
	wantNotFound(t, "rolled-back key", err)
	_, err = s.Customer(ctx, w.WS.ID, w.Customer.ID)
	wantNotFound(t, "rolled-back customer", err)
	events, err := s.Events(ctx, w.WS.ID, 0, 0)
	noErr(t, err)
	equal(t, "rolled-back events", len(events), 0)
	tickets, err := s.Tickets(ctx, w.WS.ID, helpdesk.TicketFilter{IncludeMerged: true})
	noErr(t, err)
	equal(t, "rolled-back tickets", len(tickets), 0)

	// The slug, email and key id are free again.
	seedGhost := func(tx helpdesk.Tx) error {
		return errors.Join(tx.CreateWorkspace(ctx, &w.WS), tx.CreateUser(ctx, &w.Owner), tx.CreateAPIKey(ctx, &w.Key))
	}
	inTx(t, s, seedGhost)
}

// testTxVisibility: a transaction reads its own writes; the store outside it
// does not see them before the commit.
func testTxVisibility(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	w := seed(t, s, "alpha")
	inTx(t, s, func(tx helpdesk.Tx) error {
		renamed := helpdesk.Inbox{ID: newID(), WorkspaceID: w.WS.ID, Name: "Fresh", CreatedAt: at(50)}
		if err := tx.CreateInbox(ctx, &renamed); err != nil {
			return err
		}
		if _, err := tx.Inbox(ctx, w.WS.ID, renamed.ID); err != nil {
			t.Errorf("the transaction does not see its own write: %v", err)
		}
		_, err := s.Inbox(ctx, w.WS.ID, renamed.ID)
		wantNotFound(t, "an uncommitted inbox read outside the transaction", err)
		return nil
	})
}

// testTxPanic: a panic in fn rolls back and propagates, and the store keeps
// working (a single-writer store must not be left holding its connection).
func testTxPanic(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	ws := helpdesk.Workspace{ID: newID(), Name: "Panic", Slug: "panic", CreatedAt: at(0)}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("InTx swallowed a panic")
			}
		}()
		_ = s.InTx(ctx, func(tx helpdesk.Tx) error {
			if err := tx.CreateWorkspace(ctx, &ws); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	_, err := s.Workspace(ctx, ws.ID)
	wantNotFound(t, "workspace written before the panic", err)
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.CreateWorkspace(ctx, &ws) })
}
