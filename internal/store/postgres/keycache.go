package postgres

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/keycache"
)

// keysChannel is the LISTEN/NOTIFY channel on which a commit that changed
// an API key tells every instance to forget it; the payload is the key id.
const keysChannel = "tixallo_api_keys"

// keyCacheTTL is the longest an entry is served. Notifications normally
// drop a changed key within milliseconds; the TTL is the backstop that keeps
// SPEC §2's promise (a revoked key stops working within 1 second on every
// instance) even if a notification could go missing unnoticed.
const keyCacheTTL = time.Second

// KeyCachedStore is a Store whose API key look-ups by key id (one per API
// request) are answered from memory, kept correct across instances by
// LISTEN/NOTIFY. Without it every API request costs a round trip for the
// key (docs/benchmarks.md).
//
// It keeps keycache's invariant this way:
//   - A revocation made through this store counts on the very next request:
//     InTx clears the cache after a transaction that revoked a key commits,
//     before InTx returns.
//   - A revocation made by another instance counts as soon as its
//     notification arrives (RevokeAPIKey sends it in its transaction, so it
//     arrives when, and only if, the revocation commits), and within
//     keyCacheTTL in any case: an entry is never older than that.
//   - While the LISTEN connection is down the cache is bypassed, and it is
//     cleared when the connection is back, since notifications sent
//     meanwhile were lost.
//
// The store also serves EventWake from the same LISTEN connection.
type KeyCachedStore struct {
	*Store
	keys   *keycache.Cache
	lis    listener
	cancel context.CancelFunc
	done   chan struct{}
	// listenPID is the LISTEN connection's backend process, and downs how
	// many times that connection failed: the tests break it on purpose.
	listenPID atomic.Uint32
	downs     atomic.Int64
}

// WithKeyCache returns s with the API key cache in front of it, and starts
// its LISTEN connection. Close stops it and closes s.
func (s *Store) WithKeyCache() *KeyCachedStore {
	ctx, cancel := context.WithCancel(context.Background())
	k := &KeyCachedStore{Store: s, keys: keycache.New(keyCacheTTL, false), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(k.done)
		s.listen(ctx, []string{keysChannel, wakeChannel}, listenHandler{
			up: func(pid uint32) {
				k.listenPID.Store(pid)
				k.keys.SetLive(true)
				k.lis.wake() // webhook work may have been missed meanwhile
			},
			notified: func(channel, payload string) {
				switch channel {
				case keysChannel:
					k.keys.Drop(payload)
				case wakeChannel:
					k.lis.wake()
				}
			},
			down: func(error) {
				k.downs.Add(1)
				k.keys.SetLive(false)
				k.lis.wake()
			},
		})
		k.keys.SetLive(false)
	}()
	return k
}

var (
	_ helpdesk.Store      = (*KeyCachedStore)(nil)
	_ helpdesk.EventWaker = (*KeyCachedStore)(nil)
)

// APIKeyByKeyID reads a key record through the cache. (A transaction's
// reads never use it.)
func (k *KeyCachedStore) APIKeyByKeyID(ctx context.Context, keyID string) (*helpdesk.APIKey, error) {
	return k.keys.Read(ctx, keyID, k.Store.APIKeyByKeyID)
}

// InTx runs fn as Store.InTx does and, when fn revoked a key and the
// transaction committed, clears the cache before returning: this instance's
// next request must not be served the key as it was.
func (k *KeyCachedStore) InTx(ctx context.Context, fn func(tx helpdesk.Tx) error) error {
	var changed bool
	err := k.Store.InTx(ctx, func(tx helpdesk.Tx) error {
		return fn(&keyWatchTx{Tx: tx, changed: &changed})
	})
	if changed {
		// Also on failure: whether a failed commit took effect is not always
		// known, and a clear costs only some reads.
		k.keys.Clear()
	}
	return err
}

// keyWatchTx notes whether the transaction changed a key.
type keyWatchTx struct {
	helpdesk.Tx
	changed *bool
}

func (t *keyWatchTx) RevokeAPIKey(ctx context.Context, workspaceID, id, by string, at time.Time) error {
	*t.changed = true
	return t.Tx.RevokeAPIKey(ctx, workspaceID, id, by, at)
}

// EventWake is Store.EventWake, served by the store's one LISTEN connection.
func (k *KeyCachedStore) EventWake(ctx context.Context) <-chan struct{} {
	return k.lis.subscribe(ctx)
}

// Close stops the LISTEN connection and closes the store.
func (k *KeyCachedStore) Close() error {
	k.cancel()
	<-k.done
	return k.Store.Close()
}
