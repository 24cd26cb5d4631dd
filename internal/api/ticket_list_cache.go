package api

import (
	"bytes"
	"slices"
	"strings"
	"sync"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// The list cache.
//
// Integrations poll GET /api/v1/tickets, and most polls find what the last
// one found. Reading and encoding a page costs several times what the rest
// of the request does (docs/benchmarks.md), so the API keeps the encoded
// bytes of recent pages, each with the version of the workspace's tickets
// it was read at (helpdesk.Store.TicketsVersion), and answers from them
// while the version has not moved.
//
// The version is read after the request arrived — on PostgreSQL in the rate
// limiter's statement, which the request waits for anyway; on SQLite by one
// small query — and a page read later is at least as new as that version.
// So a page is cached under a version no newer than what it shows, and
// served only to a request that read that very version: every change
// committed before a request arrived, by this instance or any other,
// either moved the version (and the request reads the page afresh) or is
// already in the cached page. A client reads its own writes through any
// instance, and nothing served is older than what a fresh read would have
// returned when the request arrived.
//
// Each instance keeps its own cache, bounded in bytes. A page is kept from
// its second read at one version on, or when an older version of it is
// kept (it was wanted before): a client walking every page once, which a
// cursor makes cheap anyway, does not push out the pages that are polled.
// A version that moved leaves the workspace's other pages to be replaced
// or evicted.

// maxCachedPageBytes bounds the bytes of pages one process keeps: about 320
// pages of 20 tickets of the benchmark's size. The garbage collector lets
// the heap grow to about twice what is live, so budget twice this in RSS.
const maxCachedPageBytes = 8 << 20

// maxSeenPages bounds the pages remembered as read once, without their
// bytes.
const maxSeenPages = 4096

// pageKey names a page by everything the list's answer depends on besides
// the tickets: the workspace (whose key signed the cursor) and the filter
// the request's query made.
type pageKey struct {
	workspace string
	statuses  string // sorted, distinct, comma-separated
	before    int64
	limit     int
}

func newPageKey(workspaceID string, f helpdesk.TicketFilter) pageKey {
	st := make([]string, len(f.Statuses))
	for i, s := range f.Statuses {
		st[i] = string(s)
	}
	slices.Sort(st)
	return pageKey{workspace: workspaceID, statuses: strings.Join(slices.Compact(st), ","),
		before: f.BeforeNumber, limit: f.Limit}
}

// cachedPage is a page's encoded answer and the version it was read at.
type cachedPage struct {
	version int64
	body    []byte // never written after it is stored
}

// pageCache is safe for concurrent use.
type pageCache struct {
	mu       sync.Mutex
	pages    map[pageKey]cachedPage
	seen     map[pageKey]int64 // pages read once, by the version they were read at
	size     int
	maxBytes int
	maxSeen  int
}

func newPageCache(maxBytes, maxSeen int) *pageCache {
	return &pageCache{pages: map[pageKey]cachedPage{}, seen: map[pageKey]int64{},
		maxBytes: maxBytes, maxSeen: maxSeen}
}

// get returns the page stored for k at exactly version.
func (c *pageCache) get(k pageKey, version int64) ([]byte, bool) {
	c.mu.Lock()
	p, ok := c.pages[k]
	c.mu.Unlock()
	if !ok || p.version != version {
		return nil, false
	}
	return p.body, true
}

// put keeps a copy of body as k's page at version, if the page is wanted
// (see above) and no page read at a later version is kept already. To make
// room it drops pages chosen at random (map order), which costs nothing to
// keep track of and is fair enough for pages that are all about the same
// size.
func (c *pageCache) put(k pageKey, version int64, body []byte) {
	if len(body) > c.maxBytes/64 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old, kept := c.pages[k]
	seenAt, seen := c.seen[k]
	switch {
	case kept && old.version > version:
		return
	case kept:
		c.size -= len(old.body)
		delete(c.pages, k)
	case !seen || seenAt != version:
		c.remember(k, version)
		return
	}
	delete(c.seen, k)
	for victim, p := range c.pages {
		if c.size+len(body) <= c.maxBytes {
			break
		}
		c.size -= len(p.body)
		delete(c.pages, victim)
	}
	c.pages[k] = cachedPage{version: version, body: bytes.Clone(body)}
	c.size += len(body)
}

// remember notes that k was read at version and not kept, forgetting a
// page at random when too many are remembered. c.mu must be held.
func (c *pageCache) remember(k pageKey, version int64) {
	if _, ok := c.seen[k]; !ok && len(c.seen) >= c.maxSeen {
		for victim := range c.seen {
			delete(c.seen, victim)
			break
		}
	}
	c.seen[k] = version
}
