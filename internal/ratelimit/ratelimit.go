// Package ratelimit limits how many API requests one key may make: at most Limit in any
// Window-long span. It is an exact sliding log, not a token bucket or fixed windows, because those
// admit up to twice the limit across a window edge and the API promises "60 in any 60 seconds".
package ratelimit

import (
	"context"
	"time"
)

// Decision is the outcome of one Allow call, with what the API needs for its rate-limit headers.
type Decision struct {
	Allowed bool
	Limit   int
	// Remaining is the number of slots left in the current window after this request.
	Remaining int
	// Reset is the time until the oldest counted request leaves the window (0 if none counted).
	Reset time.Duration
	// RetryAfter, when !Allowed, is the time until a request will be admitted.
	RetryAfter time.Duration
}

// Limiter admits at most a fixed number of requests per key in any window-long span. A request at
// time t is admitted iff fewer than the limit of admitted requests have timestamps in (t−window, t];
// rejected requests are not recorded, so a client hammering a full window does not extend it.
type Limiter interface {
	Allow(ctx context.Context, key string, now time.Time) (Decision, error)
}

// Seconds rounds d up to whole seconds and clamps it to [1, window rounded up to seconds]: the
// value for Retry-After and the RateLimit header's t, which must never tell a client to come back
// before a slot is free, nor to wait longer than a whole window.
func Seconds(d time.Duration, window time.Duration) int {
	maxSeconds := max(1, ceilSeconds(window))
	if d >= window {
		return maxSeconds
	}
	return min(max(1, ceilSeconds(d)), maxSeconds)
}

// ceilSeconds rounds d up to whole seconds (0 for d ≤ 0), without the overflow that adding
// 999,999,999 ns would risk near the largest durations.
func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	s := d / time.Second
	if d%time.Second != 0 {
		s++
	}
	return int(s)
}
