package webhook

import (
	"math/rand/v2"
	"time"
)

// Schedule is how long to wait before each retry after a failed attempt:
// the first retry 5 s after the first failure, the last 10 h after the
// seventh. After the eighth failed attempt the delivery is failed.
var Schedule = []time.Duration{
	5 * time.Second,
	5 * time.Minute,
	30 * time.Minute,
	2 * time.Hour,
	5 * time.Hour,
	10 * time.Hour,
	10 * time.Hour,
}

// MaxAttempts is the first attempt plus one per retry.
var MaxAttempts = len(Schedule) + 1

// DisableAfter is how long an endpoint may fail without a single success
// before Tixallo disables it.
const DisableAfter = 5 * 24 * time.Hour

// NextDelay returns the wait before the next attempt after `attempts` failed
// ones, with up to 10% jitter either way so that the retries of many
// deliveries that failed together (a receiver outage) do not arrive together.
// ok is false when no retry is left.
func NextDelay(attempts int, jitter func() float64) (d time.Duration, ok bool) {
	if attempts < 1 || attempts > len(Schedule) {
		return 0, false
	}
	base := Schedule[attempts-1]
	if jitter == nil {
		jitter = rand.Float64
	}
	f := 0.9 + 0.2*jitter() // [0.9, 1.1)
	return time.Duration(float64(base) * f), true
}
