package webhook

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

const (
	// maxRetryAfterLen bounds the Retry-After value kept from a response:
	// an HTTP-date is 29 bytes, and anything much longer is not a value we
	// use.
	maxRetryAfterLen = 64
	// maxRetryAfterSecs keeps a huge number of seconds from overflowing a
	// time.Duration; retryAt caps far lower anyway.
	maxRetryAfterSecs = 365 * 24 * 3600
)

// retryAfterSender is a sender that also reports the Retry-After header of
// the response; *Sender is one. The dispatcher asks for it through this
// optional interface so that helpdesk.WebhookResult, which the test event
// and the API share, need not carry a header only retries use.
type retryAfterSender interface {
	sendAttempt(ctx context.Context, m helpdesk.WebhookMessage) (res helpdesk.WebhookResult, retryAfter string)
}

// retryAt returns when the next attempt of a failed r is due, the
// schedule's delay after it started, unless the receiver answered 429 or 503
// with a Retry-After asking for later: then no earlier than that, but never
// later than the schedule's longest step after the attempt, so that a
// receiver cannot park a delivery for days, and the attempt still counts
// against the schedule.
func retryAt(r result, delay time.Duration) time.Time {
	next := r.at.Add(delay)
	if code := r.res.StatusCode; code != http.StatusTooManyRequests && code != http.StatusServiceUnavailable {
		return next
	}
	// Seconds count from when the answer arrived.
	asked, ok := parseRetryAfter(r.retryAfter, r.at.Add(r.res.Latency))
	if !ok {
		return next
	}
	if limit := r.at.Add(Schedule[len(Schedule)-1]); asked.After(limit) {
		asked = limit
	}
	if asked.After(next) {
		return asked
	}
	return next
}

// parseRetryAfter reads a Retry-After value (RFC 9110 §10.2.3): a number of
// seconds after answered, or an HTTP-date. ok is false for anything else
// (empty, negative, a fraction, a date that does not parse). A number too
// large to represent is "as late as possible", which the caller caps.
func parseRetryAfter(v string, answered time.Time) (t time.Time, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if strings.Trim(v, "0123456789") == "" {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > maxRetryAfterSecs {
			secs = maxRetryAfterSecs // too many digits for an int64 is as late as possible too
		}
		return answered.Add(time.Duration(secs) * time.Second), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}
