package storetest

import (
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

func testAPIKeys(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	w := seed(t, s, "alpha")

	got, err := s.APIKeyByKeyID(ctx, w.Key.KeyID)
	noErr(t, err)
	equal(t, "APIKeyByKeyID", got, &w.Key)
	_, err = s.APIKeyByKeyID(ctx, "NoSuchId")
	wantNotFound(t, "APIKeyByKeyID(unknown)", err)

	// A read-only key made by the CLI, with every optional time set.
	cli := helpdesk.APIKey{ID: newID(), WorkspaceID: w.WS.ID, Name: "Deploy bot", KeyID: newKeyID(),
		Hash: []byte("fedcba9876543210fedcba9876543210"), Scope: helpdesk.ScopeRead, CreatedAt: at(20),
		CreatedBy: helpdesk.ActorCLI, LastUsedAt: new(at(21)), ExpiresAt: new(at(3600)),
		RevokedAt: new(at(22)), RevokedBy: new(helpdesk.ActorCLI), CreatedByName: "CLI"}
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.CreateAPIKey(ctx, &cli) })
	list, err := s.APIKeys(ctx, w.WS.ID)
	noErr(t, err)
	equal(t, "APIKeys (newest first, creator names)", list, []helpdesk.APIKey{cli, w.Key})

	dup := cli
	dup.ID = newID()
	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.CreateAPIKey(ctx, &dup) })
	wantConflict(t, "duplicate key id", err)

	inTx(t, s, func(tx helpdesk.Tx) error { return tx.RevokeAPIKey(ctx, w.WS.ID, w.Key.ID, w.Owner.ID, at(30)) })
	// A second revocation changes nothing: the first one is the record.
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.RevokeAPIKey(ctx, w.WS.ID, w.Key.ID, helpdesk.ActorCLI, at(40)) })
	got, err = s.APIKeyByKeyID(ctx, w.Key.KeyID)
	noErr(t, err)
	revoked := w.Key
	revoked.RevokedAt, revoked.RevokedBy = new(at(30)), &w.Owner.ID
	equal(t, "revoked key", got, &revoked)
	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.RevokeAPIKey(ctx, w.WS.ID, unknownID(), w.Owner.ID, at(30)) })
	wantNotFound(t, "RevokeAPIKey(unknown)", err)
}

func testTouchAPIKeys(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	a := seed(t, s, "alpha")
	b := seed(t, s, "beta")
	lastUsed := func(keyID string) *time.Time {
		t.Helper()
		k, err := s.APIKeyByKeyID(ctx, keyID)
		noErr(t, err)
		return k.LastUsedAt
	}
	touch := func(used map[string]time.Time) {
		t.Helper()
		inTx(t, s, func(tx helpdesk.Tx) error { return tx.TouchAPIKeys(ctx, used) })
	}

	touch(map[string]time.Time{a.Key.ID: at(100), b.Key.ID: at(50), unknownID(): at(100)})
	equal(t, "a's last use", lastUsed(a.Key.KeyID), new(at(100)))
	equal(t, "b's last use", lastUsed(b.Key.KeyID), new(at(50)))

	touch(map[string]time.Time{a.Key.ID: at(90)}) // a late batch from another instance
	equal(t, "a's last use after an older touch", lastUsed(a.Key.KeyID), new(at(100)))
	touch(map[string]time.Time{a.Key.ID: at(101), b.Key.ID: at(101)})
	equal(t, "a's last use after a newer touch", lastUsed(a.Key.KeyID), new(at(101)))
	equal(t, "b's last use after a newer touch", lastUsed(b.Key.KeyID), new(at(101)))
	touch(map[string]time.Time{})
}
