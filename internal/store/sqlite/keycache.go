package sqlite

import (
	"context"
	"sync"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// MaxAPIKeyCacheTTL is the longest Options.APIKeyCacheTTL that keeps SPEC §2's
// promise: a key revoked by another process (the CLI, another instance on the
// same file) stops working within 1 second.
const MaxAPIKeyCacheTTL = time.Second

// maxCachedKeys bounds the cache; past it the cache starts over.
const maxCachedKeys = 10000

// keyCache keeps API key records, read by key id, for a short time, so that
// an API request does not cost a database read to authenticate (it was 9–15 %
// of the server's CPU, docs/benchmarks.md).
//
// The invariant (SPEC §2), which the code below keeps:
//   - A revocation made through this Store counts on the very next request:
//     any transaction that writes api_keys clears the cache after its COMMIT
//     and before its InTx call returns.
//   - A revocation made by another process or Store counts within the TTL,
//     which Open caps at MaxAPIKeyCacheTTL: an entry is never older than that.
//   - A read that started before such a clear never refills the cache with what
//     it read: put refuses records read under an older generation.
//
// Expiry needs no care here: the API checks expires_at against the clock on
// every request. Unknown key ids are not cached, so garbage cannot fill it.
type keyCache struct {
	ttl time.Duration
	mu  sync.Mutex
	gen uint64
	m   map[string]cachedKey
}

type cachedKey struct {
	key     helpdesk.APIKey
	fetched time.Time
}

func newKeyCache(ttl time.Duration) *keyCache {
	return &keyCache{ttl: min(ttl, MaxAPIKeyCacheTTL), m: make(map[string]cachedKey)}
}

// get returns a copy of a fresh entry, or the generation to pass to put.
func (c *keyCache) get(keyID string, now time.Time) (*helpdesk.APIKey, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[keyID]; ok && now.Sub(e.fetched) < c.ttl {
		k := e.key
		return &k, c.gen
	}
	return nil, c.gen
}

// put stores k, read at fetched, unless the cache was cleared since gen.
func (c *keyCache) put(gen uint64, k *helpdesk.APIKey, fetched time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m) >= maxCachedKeys {
		clear(c.m)
	}
	c.m[k.KeyID] = cachedKey{key: *k, fetched: fetched}
}

func (c *keyCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}

// APIKeyByKeyID reads a key record through the cache when Options enabled it.
// (A transaction's reads never use the cache.)
func (s *Store) APIKeyByKeyID(ctx context.Context, keyID string) (*helpdesk.APIKey, error) {
	if s.keys == nil {
		return s.reader.APIKeyByKeyID(ctx, keyID)
	}
	// The time is taken before the read, so an entry's age is never
	// understated.
	now := time.Now()
	k, gen := s.keys.get(keyID, now)
	if k != nil {
		return k, nil
	}
	k, err := s.reader.APIKeyByKeyID(ctx, keyID)
	if err == nil {
		s.keys.put(gen, k, now)
	}
	return k, err
}
