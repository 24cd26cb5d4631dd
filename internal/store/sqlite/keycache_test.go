package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithCancel(t.Context())
}

// TestAPIKeyCache checks the cache's promise (keycache.go): a revocation
// through the same Store counts on the next read, one through another Store
// on the file within the TTL, and without the option nothing is cached.
func TestAPIKeyCache(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "t.db")
	const ttl = 200 * time.Millisecond
	var queries int
	s, err := Open(ctx, path, Options{Migrate: true, APIKeyCacheTTL: ttl, OnQuery: func() { queries++ }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	other, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	now := time.Now().UTC().Truncate(time.Microsecond)
	ws := &helpdesk.Workspace{ID: "w", Name: "W", Slug: "w", CreatedAt: now}
	keys := []*helpdesk.APIKey{
		{ID: "k1", WorkspaceID: "w", Name: "one", KeyID: "AAAAAAAA", Hash: []byte("h1"), Scope: helpdesk.ScopeRead, CreatedAt: now, CreatedBy: helpdesk.ActorCLI},
		{ID: "k2", WorkspaceID: "w", Name: "two", KeyID: "BBBBBBBB", Hash: []byte("h2"), Scope: helpdesk.ScopeRead, CreatedAt: now, CreatedBy: helpdesk.ActorCLI},
	}
	err = s.InTx(ctx, func(tx helpdesk.Tx) error {
		if err := tx.CreateWorkspace(ctx, ws); err != nil {
			return err
		}
		for _, k := range keys {
			if err := tx.CreateAPIKey(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	revoked := func(st *Store, keyID string) bool {
		t.Helper()
		k, err := st.APIKeyByKeyID(ctx, keyID)
		if err != nil {
			t.Fatal(err)
		}
		return k.RevokedAt != nil
	}

	// Cached: the second read costs no query.
	revoked(s, "AAAAAAAA")
	queries = 0
	revoked(s, "AAAAAAAA")
	if queries != 0 {
		t.Errorf("a cached key read made %d queries", queries)
	}

	// Revoked through this Store: the very next read sees it.
	if err := s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.RevokeAPIKey(ctx, "w", "k1", "cli", now) }); err != nil {
		t.Fatal(err)
	}
	if !revoked(s, "AAAAAAAA") {
		t.Error("a key revoked through the Store is still active in its cache")
	}

	// Revoked through another Store (another process): seen within the TTL.
	revoked(s, "BBBBBBBB")
	start := time.Now()
	if err := other.InTx(ctx, func(tx helpdesk.Tx) error { return tx.RevokeAPIKey(ctx, "w", "k2", "cli", now) }); err != nil {
		t.Fatal(err)
	}
	for !revoked(s, "BBBBBBBB") {
		if time.Since(start) > ttl+100*time.Millisecond {
			t.Fatalf("a key revoked by another Store is still active after %v (TTL %v)", time.Since(start), ttl)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Without the option: every read is a query.
	for range 2 {
		before := queries
		if _, err := s.reader.APIKeyByKeyID(ctx, "AAAAAAAA"); err != nil {
			t.Fatal(err)
		}
		if queries == before {
			t.Error("the uncached read made no query")
		}
	}
	if other.keys != nil {
		t.Error("a Store opened without APIKeyCacheTTL has a key cache")
	}
}
