package api

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// touchEvery is how stale a key's stored last_used_at may get before a use
// is queued for writing: SPEC §2 asks for about once a minute per key.
const touchEvery = time.Minute

// rejectAuditEvery bounds the audit entries for a revoked or expired key: one
// per key per minute, however hard a forgotten client retries.
const rejectAuditEvery = time.Minute

// usage coalesces the writes that authentication would otherwise make on
// every request: last_used_at, flushed in one batch by Run, and the audit
// entry for a rejected key, written at most once a minute per key.
type usage struct {
	mu sync.Mutex
	// pending holds, per key record id, the latest use not yet written.
	pending map[string]time.Time
	// rejected holds, per key record id, when its last rejection was audited.
	rejected map[string]time.Time
}

func newUsage() *usage {
	return &usage{pending: map[string]time.Time{}, rejected: map[string]time.Time{}}
}

// touch notes that k authenticated at now. The record was just read, so its
// LastUsedAt says whether the stored value is fresh enough to leave alone;
// across instances that keeps the writes near one per key per minute too.
func (u *usage) touch(k *helpdesk.APIKey, now time.Time) {
	if k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) < touchEvery {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if prev, ok := u.pending[k.ID]; !ok || now.After(prev) {
		u.pending[k.ID] = now
	}
}

// take empties the queue of uses to write.
func (u *usage) take() map[string]time.Time {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.pending) == 0 {
		return nil
	}
	out := u.pending
	u.pending = map[string]time.Time{}
	return out
}

// requeue puts back uses whose write failed, unless newer ones arrived.
func (u *usage) requeue(used map[string]time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for id, t := range used {
		if prev, ok := u.pending[id]; !ok || t.After(prev) {
			u.pending[id] = t
		}
	}
}

// shouldAuditRejection reports whether a rejection of key record id at now
// deserves an audit entry, and if so remembers that it got one.
func (u *usage) shouldAuditRejection(id string, now time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if last, ok := u.rejected[id]; ok && now.Sub(last) < rejectAuditEvery {
		return false
	}
	u.rejected[id] = now
	return true
}

// forgetRejections drops what no longer suppresses anything, so the map
// holds only keys rejected in the last minute.
func (u *usage) forgetRejections(now time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for id, last := range u.rejected {
		if now.Sub(last) >= rejectAuditEvery {
			delete(u.rejected, id)
		}
	}
}

// Run does the API's background bookkeeping until ctx ends: it writes the
// batched last_used_at values about every 30 seconds and once more on the way
// out, and prunes expired events, idempotency records and sessions hourly.
// It returns after the final flush.
func (a *API) Run(ctx context.Context) {
	flush := time.NewTicker(a.flushEvery)
	defer flush.Stop()
	prune := time.NewTicker(a.pruneEvery)
	defer prune.Stop()
	for {
		select {
		case <-ctx.Done():
			// The server is stopping; give the last batch a moment of its own.
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			a.flushUsage(fctx)
			cancel()
			return
		case <-flush.C:
			a.flushUsage(ctx)
			a.usage.forgetRejections(a.now())
		case <-prune.C:
			if err := a.svc.Prune(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("prune expired records", "err", err)
			}
		}
	}
}

// flushUsage writes the queued last_used_at values in one transaction.
func (a *API) flushUsage(ctx context.Context) {
	used := a.usage.take()
	if len(used) == 0 {
		return
	}
	if err := a.svc.TouchAPIKeys(ctx, used); err != nil {
		a.usage.requeue(used)
		a.log.LogAttrs(ctx, slog.LevelWarn, "record API key use", slog.Int("keys", len(used)), slog.String("err", err.Error()))
	}
}
