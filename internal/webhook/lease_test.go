package webhook

import (
	"net/http"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// An attempt that outlives its lease (the receiver stalled it, another
// dispatcher took the delivery over) is still in the delivery log, since
// the receiver saw it; the delivery's state and the endpoint's health are
// the new lease holder's.
func TestLostLeaseAttemptIsLogged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t)
	ep := e.endpoint(r, helpdesk.EventCustomerCreated)
	e.ticket("Stall", "stall@example.com")

	// The first dispatcher's attempt gets a 503, after a stall longer than
	// its lease.
	hold := make(chan struct{})
	r.hold.Store(&hold)
	r.status.Store(http.StatusServiceUnavailable)
	first := make(chan error, 1)
	go func() { first <- e.disp.Drain(e.ctx) }()
	waitFor(t, "the first attempt to reach the receiver", 5*time.Second, func() bool { return len(r.requests()) == 1 })
	r.hold.Store(nil)
	r.status.Store(http.StatusOK)

	// Meanwhile the lease runs out and a second dispatcher delivers.
	e.clock.Advance(DefaultLease)
	other := New(e.opts)
	if err := other.Drain(e.ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(r.requests()); n != 2 {
		t.Fatalf("after the lease expired: %d requests, want 2", n)
	}
	close(hold)
	if err := <-first; err != nil {
		t.Fatal(err)
	}

	as, err := e.svc.WebhookAttempts(e.ctx, e.ws, ep.ID, helpdesk.WebhookPage{})
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[int]int{}
	for _, a := range as {
		statuses[a.StatusCode]++
		if a.Attempt != 1 {
			t.Errorf("attempt %+v: both were the delivery's first attempt", a)
		}
	}
	if len(as) != 2 || statuses[http.StatusOK] != 1 || statuses[http.StatusServiceUnavailable] != 1 {
		t.Fatalf("delivery log: %+v, want the lost-lease 503 and the 200", as)
	}
	ds := e.deliveries(ep)
	if len(ds) != 1 || ds[0].State != helpdesk.DeliverySucceeded || ds[0].Attempts != 1 || ds[0].LastStatus != http.StatusOK {
		t.Fatalf("delivery: %+v, want the lease holder's success", ds)
	}
	if got := e.reload(ep); got.FailingSince != nil || !got.Active {
		t.Errorf("the lost-lease 503 counted against the endpoint: %+v", got)
	}
}
