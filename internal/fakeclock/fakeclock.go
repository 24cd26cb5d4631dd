// Package fakeclock is a time source that only moves when a test moves it,
// for the tests that hand the service, the API, the app or the webhook
// dispatcher a clock (their Now options), so that rate-limit windows,
// session timeouts and retry schedules can be crossed without waiting.
package fakeclock

import (
	"sync"
	"time"
)

// Clock reads the same time until Advance moves it. It is safe for
// concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock that reads t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d (back, if d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
