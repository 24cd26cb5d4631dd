package webhook

import (
	"context"
	"math"
	"sync/atomic"
	"time"

	"github.com/tixallo/tixallo/internal/metrics"
)

// Attempt outcomes, the label of tixallo_webhook_attempts_total.
const (
	outcomeSuccess   = "success"    // 2xx
	outcomeHTTPError = "http_error" // any other status
	outcomeGone      = "gone"       // 410: the endpoint is disabled
	outcomeTransport = "transport"  // no response: refused, timed out, TLS, blocked by the egress guard
	outcomeAbandoned = "abandoned"  // cut off by shutdown; retried without counting against the schedule
)

// latencyBuckets span a delivery on the first attempt (milliseconds) to one
// that took the whole retry schedule (a day and more).
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200, 36000, 86400, 172800}

type dispatchMetrics struct {
	attempts     *metrics.CounterVec
	firstAttempt *metrics.HistogramVec
	delivered    *metrics.HistogramVec
	pending      atomic.Int64
	unfanned     atomic.Int64
	inFlight     atomic.Int64
}

func newDispatchMetrics(reg *metrics.Registry) *dispatchMetrics {
	if reg == nil {
		reg = metrics.NewRegistry() // counted, never exposed
	}
	m := &dispatchMetrics{
		attempts: reg.NewCounterVec("tixallo_webhook_attempts_total",
			"Webhook delivery attempts by outcome (success, http_error, gone, transport, abandoned).", "outcome"),
		firstAttempt: reg.NewHistogramVec("tixallo_webhook_first_attempt_latency_seconds",
			"Time from an event's commit to the start of its first delivery attempt.", latencyBuckets),
		delivered: reg.NewHistogramVec("tixallo_webhook_delivery_latency_seconds",
			"Time from an event's commit to its successful delivery, retries included.", latencyBuckets),
	}
	reg.NewGaugeFunc("tixallo_webhook_queue_depth",
		"Webhook deliveries waiting (pending, including retries not yet due) plus events not yet fanned out.",
		func() float64 { return float64(m.pending.Load() + m.unfanned.Load()) })
	reg.NewGaugeFunc("tixallo_webhook_pending_deliveries",
		"Webhook deliveries pending, including retries not yet due.", func() float64 { return float64(m.pending.Load()) })
	reg.NewGaugeFunc("tixallo_webhook_unfanned_events",
		"Events committed but not yet fanned out to webhook deliveries.", func() float64 { return float64(m.unfanned.Load()) })
	reg.NewGaugeFunc("tixallo_webhook_in_flight",
		"Webhook attempts in flight in this process.", func() float64 { return float64(m.inFlight.Load()) })
	return m
}

func seconds(d time.Duration) float64 { return math.Max(0, d.Seconds()) }

// updateBacklog refreshes the queue-depth gauges from the store.
func (d *Dispatcher) updateBacklog(ctx context.Context) {
	pending, unfanned, err := d.opts.Store.WebhookBacklog(ctx)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("webhook backlog", "err", err)
		}
		return
	}
	d.metrics.pending.Store(int64(pending))
	d.metrics.unfanned.Store(int64(unfanned))
}
