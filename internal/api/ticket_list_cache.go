package api

import (
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
// Each instance keeps its own cache, bounded in bytes; a version that moved
// leaves the workspace's old pages to be replaced or evicted.

// maxCachedPageBytes bounds the bytes of pages one process keeps: about 650
// pages of 20 tickets of the benchmark's size.
const maxCachedPageBytes = 16 << 20

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
	size     int
	maxBytes int
}

func newPageCache(maxBytes int) *pageCache {
	return &pageCache{pages: map[pageKey]cachedPage{}, maxBytes: maxBytes}
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

// put stores body as k's page at version, unless a page read at a later
// version is there already. To make room it drops pages chosen at random
// (map order), which costs nothing to keep track of and is fair enough for
// pages that are all about the same size.
func (c *pageCache) put(k pageKey, version int64, body []byte) {
	if len(body) > c.maxBytes/64 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.pages[k]; ok {
		if old.version > version {
			return
		}
		c.size -= len(old.body)
		delete(c.pages, k)
	}
	for victim, p := range c.pages {
		if c.size+len(body) <= c.maxBytes {
			break
		}
		c.size -= len(p.body)
		delete(c.pages, victim)
	}
	c.pages[k] = cachedPage{version: version, body: body}
	c.size += len(body)
}
