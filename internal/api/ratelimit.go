package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tixallo/tixallo/internal/ratelimit"
)

// windowSeconds is the configured window in whole seconds, rounded up.
func (a *API) windowSeconds() int {
	return int((a.window + time.Second - 1) / time.Second)
}

// setPolicyHeaders writes the parts of the rate-limit headers that do not
// depend on the key's current usage.
func (a *API) setPolicyHeaders(h http.Header) {
	h.Set("RateLimit-Policy", `"per-key";q=`+strconv.Itoa(a.limit)+`;w=`+strconv.Itoa(a.windowSeconds()))
	h.Set("X-RateLimit-Limit", strconv.Itoa(a.limit))
}

// setRateHeaders writes the IETF RateLimit-Policy and RateLimit headers and
// their X-RateLimit-* equivalents for decision d, taken at now:
//
//	RateLimit-Policy: "per-key";q=<limit>;w=<window seconds>
//	RateLimit: "per-key";r=<remaining>;t=<seconds until a slot frees>
//	X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset (Unix seconds)
//
// t counts up to the moment the oldest request in the window leaves it
// (rounded up; 0 when the window is empty), and for a refused request it is
// exactly Retry-After.
func (a *API) setRateHeaders(h http.Header, d ratelimit.Decision, now time.Time) {
	wait := d.Reset
	if !d.Allowed {
		wait = d.RetryAfter
	}
	t := 0
	if wait > 0 {
		t = ratelimit.Seconds(wait, a.window)
	} else {
		wait = 0
	}
	remaining := max(d.Remaining, 0)
	a.setPolicyHeaders(h)
	h.Set("RateLimit", `"per-key";r=`+strconv.Itoa(remaining)+`;t=`+strconv.Itoa(t))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(ceilUnix(now.Add(wait)), 10))
}

// ceilUnix is t in Unix seconds, rounded up, so that Reset never names a
// moment before the slot is actually free.
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}
