package webhook

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// maxResultBatch bounds one result-writing transaction.
const maxResultBatch = 256

// recorder writes attempt results. It takes whatever results have piled up
// while the previous transaction committed and writes them in one, so at a
// thousand attempts a second the store sees tens of commits, not thousands.
type recorder struct {
	d   *Dispatcher
	ctx context.Context
	in  chan result

	mu      sync.Mutex
	cond    *sync.Cond
	pending int
}

func newRecorder(d *Dispatcher, ctx context.Context) *recorder {
	r := &recorder{d: d, ctx: ctx, in: make(chan result, d.opts.Concurrency)}
	r.cond = sync.NewCond(&r.mu)
	return r
}

func (r *recorder) submit(res result) {
	r.mu.Lock()
	r.pending++
	r.mu.Unlock()
	r.in <- res
}

// flush waits until every submitted result has been written (or dropped).
func (r *recorder) flush() {
	r.mu.Lock()
	for r.pending > 0 {
		r.cond.Wait()
	}
	r.mu.Unlock()
}

// close ends run once everything submitted is written.
func (r *recorder) close() { close(r.in) }

func (r *recorder) run() {
	for first := range r.in {
		batch := []result{first}
	more:
		for len(batch) < maxResultBatch {
			select {
			case res, ok := <-r.in:
				if !ok {
					break more
				}
				batch = append(batch, res)
			default:
				break more
			}
		}
		r.writeRetrying(batch)
		r.mu.Lock()
		r.pending -= len(batch)
		r.cond.Broadcast()
		r.mu.Unlock()
	}
}

// writeRetrying tries a few times; if the store stays down the results are
// dropped, the leases expire, and the deliveries are attempted again: at
// least once, never lost.
func (r *recorder) writeRetrying(batch []result) {
	var err error
	for i := range 5 {
		if err = r.write(batch); err == nil {
			return
		}
		if r.ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(50<<i) * time.Millisecond)
	}
	r.d.log.Error("webhook results not recorded; the deliveries will be retried when their leases expire",
		"count", len(batch), "err", err)
}

// endpointHealth is what one batch knows of an endpoint.
type endpointHealth struct {
	failing  bool
	disabled bool
}

func (r *recorder) write(batch []result) error {
	d := r.d
	now := d.now()
	ctx := r.ctx
	return d.opts.Store.InTx(ctx, func(tx helpdesk.Tx) error {
		fs := make([]helpdesk.FinishedDelivery, len(batch))
		for i, res := range batch {
			del, attempt := d.next(res, now)
			fs[i] = helpdesk.FinishedDelivery{Delivery: del, Attempt: attempt}
		}
		held, err := tx.FinishWebhookDeliveries(ctx, fs)
		if err != nil {
			return err
		}
		health := map[string]*endpointHealth{}
		for i, res := range batch {
			// A lease not held: the delivery was re-queued by a resend, or
			// (after a stall longer than the lease) claimed by another
			// dispatcher. The store logged our attempt all the same (the
			// receiver saw it); the delivery's state and the endpoint's
			// health are the new holder's to record. Or the delivery was
			// deleted, and there is nothing left to record.
			if !held[i] || fs[i].Attempt == nil {
				continue
			}
			if err := r.health(ctx, tx, health, res); err != nil {
				return err
			}
		}
		return nil
	})
}

// health keeps the endpoint's run of failures and disables it on 410 or
// after DisableAfter of nothing but failures.
func (r *recorder) health(ctx context.Context, tx helpdesk.Tx, health map[string]*endpointHealth, res result) error {
	del := res.job.delivery
	h := health[del.EndpointID]
	if h == nil {
		h = &endpointHealth{failing: res.job.failing}
		health[del.EndpointID] = h
	}
	switch outcome(res) {
	case outcomeSuccess:
		if h.failing {
			h.failing = false
			return tx.RecordWebhookSuccess(ctx, del.WorkspaceID, del.EndpointID)
		}
		return nil
	case outcomeGone:
		if h.disabled {
			return nil
		}
		h.disabled = true
		r.d.log.Warn("webhook endpoint disabled: 410 Gone", "workspace", del.WorkspaceID, "endpoint", del.EndpointID)
		return ignoreNotFound(tx.DisableWebhookEndpoint(ctx, del.WorkspaceID, del.EndpointID, goneReason(res.at), res.at))
	}
	since, err := tx.RecordWebhookFailure(ctx, del.WorkspaceID, del.EndpointID, res.at)
	if err != nil {
		return ignoreNotFound(err)
	}
	h.failing = true
	if h.disabled || res.at.Sub(since) < DisableAfter {
		return nil
	}
	h.disabled = true
	r.d.log.Warn("webhook endpoint disabled: failing for 5 days", "workspace", del.WorkspaceID,
		"endpoint", del.EndpointID, "failing_since", since)
	return ignoreNotFound(tx.DisableWebhookEndpoint(ctx, del.WorkspaceID, del.EndpointID,
		failingReason(since, res.at, res.res), res.at))
}

func ignoreNotFound(err error) error {
	if errors.Is(err, helpdesk.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("webhook endpoint health: %w", err)
	}
	return nil
}
