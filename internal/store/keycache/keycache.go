// Package keycache keeps API key records in memory for a short time, so
// that an API request does not cost a database read to authenticate (it was
// 9–15 % of the server's CPU on SQLite and a round trip on PostgreSQL,
// docs/benchmarks.md). Both stores put one in front of their key reads and
// differ only in what clears it: the SQLite store after its own commits
// that wrote api_keys, the PostgreSQL store also on the NOTIFY of another
// instance's revocation.
//
// The invariant the cache keeps, given a store that clears it as it must:
//   - An entry is never served older than the TTL, the backstop for a
//     change the store could not see (SPEC §2: within 1 second).
//   - A read that started before a Clear, Drop or SetLive never refills the
//     cache with what it read: Put refuses records read under an older
//     generation.
//   - While not live, the cache serves nothing and stores nothing.
//
// Expiry needs no care here: the API checks expires_at against the clock on
// every request. Unknown key ids are not cached, so garbage cannot fill it.
package keycache

import (
	"context"
	"sync"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// maxKeys bounds the cache; past it the cache starts over.
const maxKeys = 10000

// Cache holds key records by key id.
type Cache struct {
	ttl  time.Duration
	mu   sync.Mutex
	live bool
	gen  uint64
	m    map[string]entry
}

type entry struct {
	key     helpdesk.APIKey
	fetched time.Time
}

// New returns an empty cache whose entries live for ttl, live or not.
func New(ttl time.Duration, live bool) *Cache {
	return &Cache{ttl: ttl, live: live, m: make(map[string]entry)}
}

// Read returns keyID's record from the cache, or from read, remembering
// what read returned.
func (c *Cache) Read(ctx context.Context, keyID string, read func(ctx context.Context, keyID string) (*helpdesk.APIKey, error)) (*helpdesk.APIKey, error) {
	// The time is taken before the read, so an entry's age is never
	// understated.
	now := time.Now()
	k, gen := c.get(keyID, now)
	if k != nil {
		return k, nil
	}
	k, err := read(ctx, keyID)
	if err == nil {
		c.put(gen, k, now)
	}
	return k, err
}

// get returns a copy of a fresh entry, or the generation to pass to put.
func (c *Cache) get(keyID string, now time.Time) (*helpdesk.APIKey, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[keyID]; ok && c.live && now.Sub(e.fetched) < c.ttl {
		k := e.key
		return &k, c.gen
	}
	return nil, c.gen
}

// put stores k, read at fetched, unless the cache was cleared since gen or
// is not live.
func (c *Cache) put(gen uint64, k *helpdesk.APIKey, fetched time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || !c.live {
		return
	}
	if len(c.m) >= maxKeys {
		clear(c.m)
	}
	c.m[k.KeyID] = entry{key: *k, fetched: fetched}
}

// Drop forgets keyID; reads in flight may not store what they read.
func (c *Cache) Drop(keyID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, keyID)
}

// Clear forgets every key; reads in flight may not store what they read.
func (c *Cache) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}

// SetLive turns the cache on or off. Either way it starts empty: what it
// held may have changed unnoticed.
func (c *Cache) SetLive(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
	c.live = live
}

// Live reports whether the cache serves entries.
func (c *Cache) Live() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live
}
