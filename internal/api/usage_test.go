package api

import (
	"context"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

func (e *env) lastUsed(workspaceID, keyID string) *time.Time {
	e.t.Helper()
	keys, err := e.svc.APIKeys(context.Background(), workspaceID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, k := range keys {
		if k.KeyID == keyID {
			return k.LastUsedAt
		}
	}
	e.t.Fatalf("no key %s", keyID)
	return nil
}

// TestOneReadPerRequest: an authenticated read costs the key's primary-key
// read and the handler's own query, and no write: last use is batched.
func TestOneReadPerRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	for i := range 100 {
		before := e.queries.Load()
		if w := e.do("GET", "/api/v1/events", tn.key, ""); w.Code != 200 {
			t.Fatalf("%d", w.Code)
		}
		if n := e.queries.Load() - before; n != 2 {
			t.Fatalf("request %d made %d queries, want 2 (key read, events read)", i, n)
		}
	}
}

// TestLastUsedCoalescing: uses are queued, written by one flush, and not
// queued again while the stored value is under a minute old.
func TestLastUsedCoalescing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	ctx := context.Background()
	t0 := e.clock.Now()
	e.do("GET", "/api/v1/tickets", tn.key, "")
	e.clock.Advance(5 * time.Second)
	e.do("GET", "/api/v1/tickets", tn.key, "")
	if got := e.lastUsed(tn.ws.ID, tn.rec.KeyID); got != nil {
		t.Fatalf("last_used_at written per request: %v", got)
	}
	e.api.flushUsage(ctx)
	got := e.lastUsed(tn.ws.ID, tn.rec.KeyID)
	if got == nil || !got.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("last_used_at %v, want %v", got, t0.Add(5*time.Second))
	}
	// Fresh stored value: nothing is queued for the next minute.
	e.clock.Advance(30 * time.Second)
	e.do("GET", "/api/v1/tickets", tn.key, "")
	if n := len(e.api.usage.take()); n != 0 {
		t.Fatalf("%d uses queued within a minute of the last write", n)
	}
	e.clock.Advance(31 * time.Second)
	e.do("GET", "/api/v1/tickets", tn.key, "")
	before := e.queries.Load()
	e.api.flushUsage(ctx)
	if n := e.queries.Load() - before; n != 3 { // BEGIN, UPDATE, COMMIT
		t.Fatalf("flush made %d queries, want 3", n)
	}
	if got := e.lastUsed(tn.ws.ID, tn.rec.KeyID); got == nil || !got.Equal(t0.Add(66*time.Second)) {
		t.Fatalf("last_used_at %v after a minute", got)
	}
}

// TestRunFlushes runs the background loop: it flushes on its ticker and
// once more when its context ends, then returns.
func TestRunFlushes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	e.api.flushEvery = 10 * time.Millisecond
	e.api.pruneEvery = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.api.Run(ctx); close(done) }()
	e.do("GET", "/api/v1/tickets", tn.key, "")
	deadline := time.Now().Add(5 * time.Second)
	for e.lastUsed(tn.ws.ID, tn.rec.KeyID) == nil {
		if time.Now().After(deadline) {
			t.Fatal("Run did not flush")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done

	// The final flush on shutdown.
	e2 := newEnv(t)
	tn2 := e2.newTenant()
	ctx2, cancel2 := context.WithCancel(context.Background())
	done2 := make(chan struct{})
	go func() { e2.api.Run(ctx2); close(done2) }()
	e2.do("GET", "/api/v1/tickets", tn2.key, "")
	cancel2()
	select {
	case <-done2:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	if e2.lastUsed(tn2.ws.ID, tn2.rec.KeyID) == nil {
		t.Fatal("no flush on shutdown")
	}
}

// TestRunPrunes: expired idempotency records are pruned by Run.
func TestRunPrunes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	ctx := context.Background()
	body := createBody(nil)
	if w := e.do("POST", "/api/v1/tickets", tn.key, body, "Idempotency-Key", "old"); w.Code != 201 {
		t.Fatal(w.Code)
	}
	e.clock.Advance(helpdesk.IdempotencyTTL + time.Minute)
	e.api.flushEvery, e.api.pruneEvery = time.Hour, 5*time.Millisecond
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { e.api.Run(rctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := e.store.IdempotencyRecord(ctx, tn.ws.ID, "old"); helpdesk.IsCode(err, helpdesk.ENotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not prune")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
}
