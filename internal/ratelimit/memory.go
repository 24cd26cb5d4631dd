package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

const (
	// shardCount spreads keys over independently locked maps so concurrent requests for different
	// keys rarely wait on each other.
	shardCount = 64
	// minSweepAt is the number of keys a shard may hold before it first looks for idle ones.
	minSweepAt = 64
)

// Memory is the in-process exact sliding log: per key, the timestamps of the admitted requests
// still inside the window (at most the limit of them, in a ring). It is exact for one instance;
// instances sharing a database need a limiter that keeps its log there.
//
// Idle keys are dropped without a background goroutine: a shard looks for them when its number of
// keys has doubled since its last look, which keeps the cost amortised O(1) per request and the
// memory within about twice the keys active in the last window. Sweep drops them all at once.
type Memory struct {
	limit  int
	window int64 // nanoseconds
	seed   maphash.Seed
	// epoch is the origin of the stored timestamps. It is taken from time.Now so that, when callers
	// pass time.Now() too, now.Sub(epoch) uses the monotonic clock and a wall-clock step cannot
	// shrink or stretch anyone's window. Its value never matters, only differences do.
	epoch  time.Time
	shards [shardCount]shard
}

type shard struct {
	mu   sync.Mutex
	logs map[string]*keyLog
	// sweepAt is the number of keys at which the next amortised sweep runs.
	sweepAt int
	// peak is the most keys the current map has held. Go maps never give back memory on delete,
	// so a sweep that leaves a small fraction of the peak copies the survivors into a new map.
	peak int
}

// keyLog holds one key's admitted timestamps, oldest first, in a ring that grows up to the limit,
// so a key that makes one request a minute costs a few bytes, not the whole limit.
type keyLog struct {
	times []int64 // nanoseconds since Memory.epoch
	head  int
	n     int
}

// NewMemory returns a limiter that admits at most limit requests per key in any window-long span.
// It panics when limit < 1 or window ≤ 0: configuration validation should have refused them.
func NewMemory(limit int, window time.Duration) *Memory {
	if limit < 1 || window <= 0 {
		panic("ratelimit: NewMemory needs limit ≥ 1 and window > 0")
	}
	m := &Memory{limit: limit, window: int64(window), seed: maphash.MakeSeed(), epoch: time.Now()}
	for i := range m.shards {
		m.shards[i].logs = make(map[string]*keyLog)
		m.shards[i].sweepAt = minSweepAt
	}
	return m
}

// Allow records and admits a request for key at now if fewer than the limit were admitted in
// (now−window, now], and otherwise rejects it without recording it. It never returns an error.
//
// Concurrent callers may reach the lock in a different order than their clocks were read; a
// request older than the key's newest admitted one is counted as if it came at that newest time.
// That keeps the log sorted and errs towards rejecting, so no window can ever hold more than the
// limit.
func (m *Memory) Allow(_ context.Context, key string, now time.Time) (Decision, error) {
	t := int64(now.Sub(m.epoch))
	s := &m.shards[maphash.String(m.seed, key)%shardCount]
	s.mu.Lock()
	defer s.mu.Unlock()

	l := s.logs[key]
	if l == nil {
		if len(s.logs) >= s.sweepAt {
			s.sweep(t - m.window)
		}
		l = &keyLog{}
		s.logs[key] = l
	}
	at := t
	if l.n > 0 {
		at = max(at, l.newest())
	}
	l.dropThrough(at - m.window)

	d := Decision{Limit: m.limit}
	if l.n < m.limit {
		l.push(at, m.limit)
		d.Allowed = true
		d.Remaining = m.limit - l.n
	} else {
		d.RetryAfter = time.Duration(l.oldest() + m.window - t)
	}
	d.Reset = time.Duration(l.oldest() + m.window - t)
	return d, nil
}

// Sweep drops every key with no admitted request in (now−window, now]. Allow already does this a
// shard at a time; Sweep is for a caller that wants the memory back now, such as a periodic job.
func (m *Memory) Sweep(now time.Time) {
	cutoff := int64(now.Sub(m.epoch)) - m.window
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		s.sweep(cutoff)
		s.mu.Unlock()
	}
}

// keys counts the keys held, for tests of the memory bound.
func (m *Memory) keys() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.logs)
		s.mu.Unlock()
	}
	return n
}

// sweep drops the keys whose newest admitted request is at or before cutoff: none of their
// requests still counts, so forgetting them changes no future decision.
func (s *shard) sweep(cutoff int64) {
	s.peak = max(s.peak, len(s.logs))
	for k, l := range s.logs {
		if l.newest() <= cutoff {
			delete(s.logs, k)
		}
	}
	if s.peak > minSweepAt && len(s.logs) <= s.peak/4 {
		fresh := make(map[string]*keyLog, len(s.logs))
		for k, l := range s.logs {
			fresh[k] = l
		}
		s.logs = fresh
		s.peak = len(fresh)
	}
	// Waiting until the map doubles before the next sweep makes each sweep's cost paid for by
	// the insertions since the last one.
	s.sweepAt = max(minSweepAt, 2*len(s.logs))
}

func (l *keyLog) oldest() int64 { return l.times[l.head] }

func (l *keyLog) newest() int64 { return l.times[(l.head+l.n-1)%len(l.times)] }

// dropThrough forgets the timestamps at or before cutoff, which have left the window.
func (l *keyLog) dropThrough(cutoff int64) {
	for l.n > 0 && l.times[l.head] <= cutoff {
		l.head = (l.head + 1) % len(l.times)
		l.n--
	}
}

// push appends t, the newest timestamp; the caller has checked that fewer than limit are held.
func (l *keyLog) push(t int64, limit int) {
	if l.n == len(l.times) {
		grown := make([]int64, min(limit, max(4, 2*len(l.times))))
		for i := range l.n {
			grown[i] = l.times[(l.head+i)%len(l.times)]
		}
		l.times, l.head = grown, 0
	}
	l.times[(l.head+l.n)%len(l.times)] = t
	l.n++
}
