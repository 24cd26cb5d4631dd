package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStatements bounds a statement cache. The store's SQL is a fixed set
// of texts, except the ticket list, whose text depends on which filters are
// set; past the bound a statement is simply prepared for one use, as before.
const maxCachedStatements = 256

// preparer is what statements run on: the read pool (*sql.DB) or the
// writer's connection (*sql.Conn).
type preparer interface {
	execer
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// stmtCache keeps one prepared statement per SQL text.
//
// Why: modernc.org/sqlite compiles the SQL text from scratch for every
// database/sql call that is not made on a prepared *sql.Stmt, and compiling
// cost a quarter of the server's CPU on every API request (docs/benchmarks.md).
// A *sql.Stmt of the read pool is prepared once per pooled connection and then
// only reset and re-bound; one of the writer's connection is prepared once.
type stmtCache struct {
	db preparer
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db preparer) *stmtCache {
	return &stmtCache{db: db, m: make(map[string]*sql.Stmt)}
}

// stmt returns the prepared statement for query, or nil when it cannot be
// cached: the cache is full, or preparing failed. The caller then runs the
// text unprepared, which reports a preparing error the usual way.
func (c *stmtCache) stmt(ctx context.Context, query string) *sql.Stmt {
	c.mu.RLock()
	st, ok := c.m[query]
	c.mu.RUnlock()
	if ok {
		return st
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m) >= maxCachedStatements {
		return nil
	}
	// Preparing under the lock keeps two goroutines from preparing the same
	// text; it happens once per text, so the wait does not matter.
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.m[query] = st
	return st
}

func (c *stmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.db.ExecContext(ctx, query, args...)
}

func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, query, args...)
}

func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, query, args...)
}

// close closes every cached statement and empties the cache.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		_ = st.Close()
		delete(c.m, q)
	}
}
