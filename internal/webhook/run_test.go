package webhook

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// startRun runs the dispatcher on the real clock until the test ends.
func startRun(t *testing.T, e *env) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.disp.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("Run did not return")
		}
	}
	t.Cleanup(stop)
	return stop
}

func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func realClock(o *Options) { o.Now = time.Now }

// A commit wakes the running dispatcher at once: with the fallback poll an
// hour away, the event still arrives within milliseconds.
func TestRunWakesOnCommit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, realClock, func(o *Options) { o.PollInterval = time.Hour })
	r := newReceiver(t)
	e.endpoint(r, helpdesk.EventTicketCreated)
	startRun(t, e)
	time.Sleep(20 * time.Millisecond) // let Run reach its wait
	for i := range 5 {
		start := time.Now()
		e.ticket("Wake", fmt.Sprintf("wake%d@example.com", i))
		waitFor(t, "the event", 2*time.Second, func() bool { return len(r.requests()) == i+1 })
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("event %d took %v to arrive", i, d)
		}
	}
}

// One receiver that hangs holds at most PerEndpoint attempts; the other
// endpoint's events keep flowing.
func TestSlowReceiverDoesNotStarveOthers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, realClock, func(o *Options) {
		o.Concurrency, o.PerEndpoint, o.PollInterval = 4, 2, 50*time.Millisecond
	})
	slow, fast := newReceiver(t), newReceiver(t)
	release := make(chan struct{})
	slow.hold.Store(&release)
	e.endpoint(slow, helpdesk.EventTicketCreated)
	e.endpoint(fast, helpdesk.EventTicketCreated)
	startRun(t, e)
	for i := range 20 {
		e.ticket("Load", fmt.Sprintf("load%d@example.com", i))
	}
	waitFor(t, "the fast receiver to get all 20", 5*time.Second, func() bool { return len(fast.requests()) == 20 })
	if n := len(slow.requests()); n > 2 {
		t.Errorf("the slow receiver has %d attempts in flight, want at most 2", n)
	}
	close(release)
	waitFor(t, "the slow receiver to catch up", 5*time.Second, func() bool { return len(slow.requests()) == 20 })
}

// On shutdown, attempts that outlive the grace period are abandoned and
// released without counting as a failure; the next dispatcher sends them
// again at once, with the same webhook-id.
func TestShutdownAbandonsAndReleases(t *testing.T) {
	t.Parallel()
	e := newEnv(t, realClock, func(o *Options) { o.ShutdownGrace = 100 * time.Millisecond })
	r := newReceiver(t)
	hold := make(chan struct{})
	r.hold.Store(&hold)
	ep := e.endpoint(r, helpdesk.EventTicketCreated)
	stop := startRun(t, e)
	e.ticket("Stuck", "stuck@example.com")
	waitFor(t, "the attempt to start", 2*time.Second, func() bool { return len(r.requests()) == 1 })
	stop()
	ds := e.deliveries(ep)
	if len(ds) != 1 || ds[0].State != helpdesk.DeliveryPending || ds[0].Attempts != 0 || ds[0].LockedUntil != nil {
		t.Fatalf("abandoned delivery: %+v", ds)
	}
	close(hold)
	next := New(e.opts)
	if err := next.Drain(e.ctx); err != nil {
		t.Fatal(err)
	}
	ids := r.ids()
	if len(ids) != 2 || ids[0] != ids[1] {
		t.Fatalf("webhook-ids %v, want the same id twice", ids)
	}
	if ds := e.deliveries(ep); ds[0].State != helpdesk.DeliverySucceeded || ds[0].Attempts != 1 {
		t.Fatalf("delivery after restart: %+v", ds[0])
	}
}

// A dispatcher that dies holding a lease blocks nobody for longer than the
// lease: then another one takes the delivery.
func TestExpiredLeaseIsRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t)
	ep := e.endpoint(r, helpdesk.EventTicketCreated)
	e.ticket("Lease", "lease@example.com")
	now := e.clock.Now()
	// A dispatcher fans out and claims, then "crashes" before attempting.
	var claimed []helpdesk.Delivery
	err := e.store.InTx(e.ctx, func(tx helpdesk.Tx) error {
		if _, err := e.disp.fanOut(e.ctx, tx, now); err != nil {
			return err
		}
		var err error
		claimed, err = tx.ClaimWebhookDeliveries(e.ctx, helpdesk.DeliveryClaim{
			Now: now, Until: now.Add(DefaultLease), Lease: "dead", Limit: 10, PerEndpoint: 10,
		})
		return err
	})
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v, %d", err, len(claimed))
	}
	e.drain()
	if n := len(r.requests()); n != 0 {
		t.Fatalf("a leased delivery was sent by another dispatcher (%d)", n)
	}
	e.clock.Advance(DefaultLease)
	e.drain()
	if n := len(r.requests()); n != 1 {
		t.Fatalf("after the lease expired: %d requests", n)
	}
	// The dead dispatcher's late result is refused.
	late := claimed[0]
	late.State, late.UpdatedAt = helpdesk.DeliveryFailed, e.clock.Now()
	var held []bool
	err = e.store.InTx(e.ctx, func(tx helpdesk.Tx) (err error) {
		held, err = tx.FinishWebhookDeliveries(e.ctx, []helpdesk.FinishedDelivery{{Delivery: &late}})
		return err
	})
	if err != nil || held[0] {
		t.Fatalf("a stale lease finished a delivery: held %v, %v", held, err)
	}
	if ds := e.deliveries(ep); ds[0].State != helpdesk.DeliverySucceeded {
		t.Fatalf("delivery: %+v", ds[0])
	}
}

// Transport failures (nothing listening) are failures with an error in the
// log, retried like any other.
func TestConnectionRefusedIsRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t)
	ep := e.endpoint(r, helpdesk.EventTicketCreated)
	r.srv.Close()
	e.ticket("Refused", "refused@example.com")
	e.drain()
	ds := e.deliveries(ep)
	if len(ds) != 1 || ds[0].State != helpdesk.DeliveryPending || ds[0].Attempts != 1 || ds[0].LastError == "" {
		t.Fatalf("delivery: %+v", ds)
	}
	as, _ := e.svc.WebhookAttempts(e.ctx, e.ws, ep.ID, helpdesk.WebhookPage{})
	if len(as) != 1 || as[0].StatusCode != 0 || as[0].Error == "" {
		t.Fatalf("attempts: %+v", as)
	}
	if got := ds[0].NextAt.Sub(*ds[0].LastAttemptAt); got != Schedule[0] {
		t.Fatalf("next attempt in %v, want %v", got, Schedule[0])
	}
	_ = http.StatusOK
}

// A backlog deeper than the concurrency limits drains at once: finished
// attempts free their slots and the dispatcher claims again without waiting
// for the fallback poll.
func TestBacklogDrainsWithoutPolling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, realClock, func(o *Options) {
		o.Concurrency, o.PerEndpoint, o.PollInterval = 4, 2, time.Hour
	})
	r := newReceiver(t)
	hold := make(chan struct{})
	r.hold.Store(&hold)
	e.endpoint(r, helpdesk.EventTicketCreated)
	startRun(t, e)
	for i := range 40 {
		e.ticket("Backlog", fmt.Sprintf("backlog%d@example.com", i))
	}
	waitFor(t, "two attempts in flight", time.Second, func() bool { return len(r.requests()) == 2 })
	time.Sleep(50 * time.Millisecond)
	close(hold)
	waitFor(t, "all 40 events", 3*time.Second, func() bool { return len(r.requests()) == 40 })
}
