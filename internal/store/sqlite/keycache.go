package sqlite

import (
	"context"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// MaxAPIKeyCacheTTL is the longest Options.APIKeyCacheTTL that keeps SPEC §2's
// promise: a key revoked by another process (the CLI, another instance on the
// same file) stops working within 1 second.
const MaxAPIKeyCacheTTL = time.Second

// The SQLite store's key cache (Options.APIKeyCacheTTL) keeps keycache's
// invariant this way: any transaction that writes api_keys clears it after
// its COMMIT and before its InTx call returns, so a revocation through this
// Store counts on the very next request; one made by another process (the
// CLI, another server on the same file) counts within the TTL, which Open
// caps at MaxAPIKeyCacheTTL.
//
// APIKeyByKeyID reads a key record through that cache when Options enabled
// it. (A transaction's reads never use the cache.)
func (s *Store) APIKeyByKeyID(ctx context.Context, keyID string) (*helpdesk.APIKey, error) {
	if s.keys == nil {
		return s.reader.APIKeyByKeyID(ctx, keyID)
	}
	return s.keys.Read(ctx, keyID, s.reader.APIKeyByKeyID)
}
