package storetest

import (
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

func testInboxes(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	w := seed(t, s, "alpha")

	got, err := s.Inbox(ctx, w.WS.ID, w.Other.ID)
	noErr(t, err)
	equal(t, "Inbox", got, &w.Other)
	def, err := s.DefaultInbox(ctx, w.WS.ID)
	noErr(t, err)
	equal(t, "DefaultInbox", def, &w.Inbox)
	list, err := s.Inboxes(ctx, w.WS.ID)
	noErr(t, err)
	equal(t, "Inboxes (by name)", list, []helpdesk.Inbox{w.Other, w.Inbox})

	_, err = s.Inbox(ctx, w.WS.ID, unknownID())
	wantNotFound(t, "Inbox(unknown)", err)
	_, err = s.DefaultInbox(ctx, unknownID())
	wantNotFound(t, "DefaultInbox(unknown workspace)", err)

	err = s.InTx(ctx, func(tx helpdesk.Tx) error {
		return tx.CreateInbox(ctx, &helpdesk.Inbox{ID: newID(), WorkspaceID: w.WS.ID, Name: "Second default", IsDefault: true, CreatedAt: at(1)})
	})
	wantConflict(t, "a second default inbox", err)
	err = s.InTx(ctx, func(tx helpdesk.Tx) error {
		return tx.CreateInbox(ctx, &helpdesk.Inbox{ID: w.Other.ID, WorkspaceID: w.WS.ID, Name: "Same id", CreatedAt: at(1)})
	})
	wantConflict(t, "duplicate inbox id", err)

	inTx(t, s, func(tx helpdesk.Tx) error { return tx.RenameInbox(ctx, w.WS.ID, w.Other.ID, "Accounts") })
	got, err = s.Inbox(ctx, w.WS.ID, w.Other.ID)
	noErr(t, err)
	equal(t, "renamed inbox", got.Name, "Accounts")
	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.RenameInbox(ctx, w.WS.ID, unknownID(), "X") })
	wantNotFound(t, "RenameInbox(unknown)", err)
}

func testDefaultInboxSwitch(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	w := seed(t, s, "alpha")

	wantDefault := func(what, id string) {
		t.Helper()
		def, err := s.DefaultInbox(ctx, w.WS.ID)
		noErr(t, err)
		if def.ID != id {
			t.Errorf("%s: default inbox is %s, want %s", what, def.Name, id)
		}
		list, err := s.Inboxes(ctx, w.WS.ID)
		noErr(t, err)
		defaults := 0
		for _, in := range list {
			if in.IsDefault {
				defaults++
			}
		}
		if defaults != 1 {
			t.Errorf("%s: %d default inboxes, want 1", what, defaults)
		}
	}

	inTx(t, s, func(tx helpdesk.Tx) error { return tx.SetDefaultInbox(ctx, w.WS.ID, w.Other.ID) })
	wantDefault("after switching", w.Other.ID)
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.SetDefaultInbox(ctx, w.WS.ID, w.Other.ID) })
	wantDefault("after choosing the default again", w.Other.ID)
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.SetDefaultInbox(ctx, w.WS.ID, w.Inbox.ID) })
	wantDefault("after switching back", w.Inbox.ID)

	// An unknown id fails and leaves the default alone, even when the caller
	// commits anyway.
	inTx(t, s, func(tx helpdesk.Tx) error {
		wantNotFound(t, "SetDefaultInbox(unknown)", tx.SetDefaultInbox(ctx, w.WS.ID, unknownID()))
		return nil
	})
	wantDefault("after a failed switch", w.Inbox.ID)
}
