package webhook

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/tixallo/tixallo/internal/helpdesk"
)

// result is one finished attempt, on its way to the recorder.
type result struct {
	job job
	at  time.Time // when the attempt started (the webhook-timestamp)
	res helpdesk.WebhookResult
	// retryAfter is the response's Retry-After header, honoured on a 429 or
	// 503 (see retryAt).
	retryAfter string
	abandoned  bool // cut off by shutdown: release, do not count
}

// run makes one attempt and hands its result to the recorder.
func (d *Dispatcher) run(ctx context.Context, j job, rec *recorder) {
	defer d.release(j.delivery.EndpointID)
	at := d.now()
	if j.delivery.Attempts == 0 && !j.delivery.EventCreatedAt.IsZero() {
		d.metrics.firstAttempt.ObserveDuration(at.Sub(j.delivery.EventCreatedAt))
	}
	var (
		res        helpdesk.WebhookResult
		retryAfter string
	)
	msg := helpdesk.WebhookMessage{
		URL: j.url, ID: j.delivery.EventID, Timestamp: at, Body: j.delivery.Payload, Secrets: j.secrets,
	}
	if j.broken != "" {
		res.Error = j.broken
	} else if s, ok := d.opts.Sender.(retryAfterSender); ok {
		res, retryAfter = s.sendAttempt(ctx, msg)
	} else {
		res = d.opts.Sender.SendWebhook(ctx, msg)
	}
	r := result{job: j, at: at, res: res, retryAfter: retryAfter, abandoned: ctx.Err() != nil && res.StatusCode == 0}
	o := outcome(r)
	d.metrics.attempts.Inc(o)
	if o == outcomeSuccess && !j.delivery.EventCreatedAt.IsZero() {
		d.metrics.delivered.ObserveDuration(at.Add(res.Latency).Sub(j.delivery.EventCreatedAt))
	}
	rec.submit(r)
}

// release frees the attempt's slots.
func (d *Dispatcher) release(endpointID string) {
	d.mu.Lock()
	d.inFlight--
	if d.busy[endpointID]--; d.busy[endpointID] <= 0 {
		delete(d.busy, endpointID)
	}
	d.mu.Unlock()
	d.metrics.inFlight.Add(-1)
	select {
	case d.slotFree <- struct{}{}:
	default:
	}
}

func outcome(r result) string {
	switch code := r.res.StatusCode; {
	case r.abandoned:
		return outcomeAbandoned
	case code >= 200 && code < 300:
		return outcomeSuccess
	case code == http.StatusGone:
		return outcomeGone
	case code == 0:
		return outcomeTransport
	}
	return outcomeHTTPError
}

// next applies a result to its delivery: success, a retry on the schedule,
// or failure. It returns the attempt's log line (nil when abandoned).
func (d *Dispatcher) next(r result, now time.Time) (*helpdesk.Delivery, *helpdesk.DeliveryAttempt) {
	del := r.job.delivery
	del.UpdatedAt = now
	if r.abandoned {
		// Not the receiver's fault: due again at once, same attempt count.
		del.State, del.NextAt = helpdesk.DeliveryPending, now
		return &del, nil
	}
	del.Attempts++
	at := r.at
	del.LastAttemptAt, del.LastStatus, del.LastError = &at, r.res.StatusCode, r.res.Error
	switch outcome(r) {
	case outcomeSuccess:
		del.State = helpdesk.DeliverySucceeded
	case outcomeGone:
		del.State = helpdesk.DeliveryFailed
	default:
		if delay, ok := NextDelay(del.Attempts, d.opts.Jitter); ok {
			del.State, del.NextAt = helpdesk.DeliveryPending, retryAt(r, delay)
		} else {
			del.State = helpdesk.DeliveryFailed
		}
	}
	a := &helpdesk.DeliveryAttempt{
		ID: uuid.Must(uuid.NewV7()).String(), WorkspaceID: del.WorkspaceID, EndpointID: del.EndpointID,
		DeliveryID: del.ID, EventID: del.EventID, EventType: del.EventType, Attempt: del.Attempts,
		StatusCode: r.res.StatusCode, Error: r.res.Error, Latency: r.res.Latency, Response: r.res.Response,
		CreatedAt: r.at,
	}
	return &del, a
}

// goneReason and failingReason are what admins see on a disabled endpoint.
func goneReason(at time.Time) string {
	return fmt.Sprintf("Disabled by Tixallo on %s: the endpoint answered 410 Gone.", helpdesk.FormatTime(at))
}

func failingReason(since, at time.Time, last helpdesk.WebhookResult) string {
	why := last.Error
	if why == "" {
		why = fmt.Sprintf("HTTP %d", last.StatusCode)
	}
	return fmt.Sprintf("Disabled by Tixallo on %s: every delivery attempt since %s failed (last: %s).",
		helpdesk.FormatTime(at), helpdesk.FormatTime(since), why)
}
