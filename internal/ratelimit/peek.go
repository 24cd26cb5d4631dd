package ratelimit

import (
	"hash/maphash"
	"time"
)

// Peek reports what Allow would decide for key at now, without recording a request. The API's
// per-IP throttle on failed authentications uses it: every request looks, only failures count.
func (m *Memory) Peek(key string, now time.Time) Decision {
	t := int64(now.Sub(m.epoch))
	s := &m.shards[maphash.String(m.seed, key)%shardCount]
	s.mu.Lock()
	defer s.mu.Unlock()

	d := Decision{Limit: m.limit, Allowed: true, Remaining: m.limit}
	l := s.logs[key]
	if l == nil {
		return d
	}
	// Count the timestamps still inside (t−window, t] and find the oldest of them, leaving the
	// log untouched: Allow is the only writer.
	cutoff := t - m.window
	n, oldest := 0, int64(0)
	for i := 0; i < l.n; i++ {
		ts := l.times[(l.head+i)%len(l.times)]
		if ts <= cutoff {
			continue
		}
		if n == 0 {
			oldest = ts
		}
		n++
	}
	d.Remaining = m.limit - n
	if n > 0 {
		d.Reset = time.Duration(oldest + m.window - t)
	}
	if n >= m.limit {
		d.Allowed = false
		d.Remaining = 0
		d.RetryAfter = d.Reset
	}
	return d
}
