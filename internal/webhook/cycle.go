package webhook

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/tixallo/tixallo/internal/helpdesk"
)

// job is one claimed delivery with what it takes to send it.
type job struct {
	delivery helpdesk.Delivery
	url      string
	secrets  []string
	failing  bool // the endpoint was in a run of failures when claimed
	// broken says why the delivery cannot be signed (its secret does not
	// open: the server key was replaced); it fails without a request.
	broken string
}

// cycle is one turn of the dispatcher, in one write transaction: fan out a
// batch of new events into deliveries, then claim the deliveries that are
// due (the ones just created among them) as far as our concurrency limits
// allow, and start their attempts. Doing both in one transaction costs one
// commit for an event's whole way from the outbox to the wire.
//
// more reports that another cycle should follow at once (a full fan-out
// batch); capped that the claim stopped at our own limits, so work may be
// waiting for a free slot.
func (d *Dispatcher) cycle(ctx, attemptCtx context.Context, rec *recorder) (more, capped bool, err error) {
	d.mu.Lock()
	free := d.opts.Concurrency - d.inFlight
	busy := maps.Clone(d.busy)
	d.mu.Unlock()

	now := d.now()
	var (
		fanned int
		jobs   []job
	)
	err = d.opts.Store.InTx(ctx, func(tx helpdesk.Tx) error {
		var err error
		if fanned, err = d.fanOut(ctx, tx, now); err != nil {
			return err
		}
		jobs = nil
		if free <= 0 {
			return nil
		}
		claimed, err := tx.ClaimWebhookDeliveries(ctx, helpdesk.DeliveryClaim{
			Now: now, Until: now.Add(d.opts.Lease), Lease: newLease(),
			Limit: free, PerEndpoint: d.opts.PerEndpoint, Busy: busy,
		})
		if err != nil {
			return err
		}
		jobs, err = d.prepare(ctx, tx, claimed, now)
		return err
	})
	if err != nil {
		return false, false, err
	}

	perEndpoint := map[string]int{}
	for _, j := range jobs {
		perEndpoint[j.delivery.EndpointID]++
	}
	// Work may have been left behind by an endpoint at its cap when the
	// claim ran (skipped, or filled up by it) or by the overall limit: then
	// a slot freed since is a reason to claim again. Judge by the snapshot
	// the claim used; slots freed after it are signalled on slotFree.
	for id, n := range busy {
		if n+perEndpoint[id] >= d.opts.PerEndpoint {
			capped = true
		}
	}
	for id, n := range perEndpoint {
		if busy[id]+n >= d.opts.PerEndpoint {
			capped = true
		}
	}
	d.mu.Lock()
	for id, n := range perEndpoint {
		d.busy[id] += n
	}
	d.inFlight += len(jobs)
	d.mu.Unlock()
	d.metrics.inFlight.Add(int64(len(jobs)))
	d.started.Add(int64(len(jobs)))
	if len(jobs) >= free {
		capped = true
	}
	d.log.Debug("webhook cycle", "fanned", fanned, "claimed", len(jobs), "free", free, "capped", capped)
	for _, j := range jobs {
		go d.run(attemptCtx, j, rec)
	}
	return fanned == fanOutBatch, capped, nil
}

// fanOut turns a batch of new events into one pending delivery per active
// endpoint of the event's workspace that subscribes to its type, and marks
// the events done, all in tx. Endpoints created after an event was fanned
// out do not get it; disabled ones do not either (GET /api/v1/events has
// it).
func (d *Dispatcher) fanOut(ctx context.Context, tx helpdesk.Tx, now time.Time) (int, error) {
	events, err := tx.UnfannedEvents(ctx, fanOutBatch)
	if err != nil || len(events) == 0 {
		return 0, err
	}
	byWorkspace := map[string][]helpdesk.WebhookEndpoint{}
	var (
		ds   []helpdesk.Delivery
		seqs = make([]int64, 0, len(events))
	)
	for _, ev := range events {
		seqs = append(seqs, ev.Seq)
		eps, ok := byWorkspace[ev.WorkspaceID]
		if !ok {
			if eps, err = tx.WebhookEndpoints(ctx, ev.WorkspaceID); err != nil {
				return 0, fmt.Errorf("fan out: %w", err)
			}
			byWorkspace[ev.WorkspaceID] = eps
		}
		for i := range eps {
			e := &eps[i]
			if !e.Active || !e.Subscribed(ev.Type) {
				continue
			}
			ds = append(ds, helpdesk.Delivery{
				ID: uuid.Must(uuid.NewV7()).String(), WorkspaceID: ev.WorkspaceID, EndpointID: e.ID,
				EventID: ev.ID, EventType: ev.Type, State: helpdesk.DeliveryPending,
				NextAt: now, CreatedAt: now, UpdatedAt: now,
			})
		}
	}
	if err := tx.CreateWebhookDeliveries(ctx, ds); err != nil {
		return 0, fmt.Errorf("fan out: %w", err)
	}
	if err := tx.MarkEventsFannedOut(ctx, seqs); err != nil {
		return 0, fmt.Errorf("fan out: %w", err)
	}
	return len(events), nil
}

// prepare pairs claimed deliveries with their endpoint's URL and secrets.
func (d *Dispatcher) prepare(ctx context.Context, tx helpdesk.Tx, claimed []helpdesk.Delivery, now time.Time) ([]job, error) {
	endpoints := map[string]*cachedEndpoint{}
	jobs := make([]job, 0, len(claimed))
	for _, c := range claimed {
		ce, ok := endpoints[c.EndpointID]
		if !ok {
			e, err := tx.WebhookEndpoint(ctx, c.WorkspaceID, c.EndpointID)
			if err != nil {
				return nil, fmt.Errorf("claim: endpoint of delivery %s: %w", c.ID, err)
			}
			if ce, err = d.endpoints.get(e, d.opts.Sealer); err != nil {
				// One endpoint's secret must not stop the others' deliveries.
				d.log.Error("webhook endpoint secret", "endpoint", e.ID, "err", err)
				ce = &cachedEndpoint{url: e.URL, failing: e.FailingSince != nil, broken: true}
			}
			endpoints[c.EndpointID] = ce
		}
		j := job{delivery: c, url: ce.url, secrets: ce.signing(now), failing: ce.failing}
		if ce.broken {
			j.broken = "the signing secret could not be opened (was the server key replaced?)"
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// endpointCache keeps opened secrets, so that AES-GCM runs once per
// endpoint version rather than once per delivery.
type endpointCache struct {
	mu sync.Mutex
	m  map[string]*cachedEndpoint
}

type cachedEndpoint struct {
	updatedAt      time.Time
	url            string
	failing        bool
	broken         bool
	current        string
	previous       string
	previousExpiry time.Time
}

func (c *cachedEndpoint) signing(now time.Time) []string {
	if c.previous != "" && now.Before(c.previousExpiry) {
		return []string{c.current, c.previous}
	}
	return []string{c.current}
}

func (c *endpointCache) get(e *helpdesk.WebhookEndpoint, sealer helpdesk.Sealer) (*cachedEndpoint, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ce, ok := c.m[e.ID]; ok && ce.updatedAt.Equal(e.UpdatedAt) {
		ce.failing = e.FailingSince != nil
		return ce, nil
	}
	ce := &cachedEndpoint{updatedAt: e.UpdatedAt, url: e.URL, failing: e.FailingSince != nil}
	// Open the previous secret whatever the time: signing() decides per
	// attempt whether it still signs.
	if len(e.PreviousSecretSealed) > 0 && e.PreviousExpiresAt != nil {
		prev, err := sealer.Open(e.PreviousSecretSealed)
		if err != nil {
			return nil, fmt.Errorf("open previous webhook secret of %s: %w", e.ID, err)
		}
		ce.previous, ce.previousExpiry = string(prev), *e.PreviousExpiresAt
	}
	cur, err := sealer.Open(e.SecretSealed)
	if err != nil {
		return nil, fmt.Errorf("open webhook secret of %s: %w", e.ID, err)
	}
	ce.current = string(cur)
	if c.m == nil {
		c.m = map[string]*cachedEndpoint{}
	}
	if len(c.m) > 10000 {
		clear(c.m) // endpoints come and go; never grow without bound
	}
	c.m[e.ID] = ce
	return ce, nil
}
