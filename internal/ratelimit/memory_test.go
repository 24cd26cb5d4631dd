package ratelimit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

var _ Limiter = (*Memory)(nil)

var base = time.Date(2026, 5, 4, 10, 55, 2, 0, time.UTC)

// model is the specification written as plainly as possible: every admitted timestamp per key,
// and a count over (t−window, t] for each request.
type model struct {
	limit    int
	window   time.Duration
	admitted map[string][]time.Time
}

// decide returns what the limiter must answer for key at t, and records t if admitted.
func (m *model) decide(key string, t time.Time) Decision {
	var inWindow []time.Time
	for _, a := range m.admitted[key] {
		if a.After(t.Add(-m.window)) && !a.After(t) {
			inWindow = append(inWindow, a)
		}
	}
	d := Decision{Limit: m.limit}
	if len(inWindow) < m.limit {
		m.admitted[key] = append(m.admitted[key], t)
		inWindow = append(inWindow, t)
		d.Allowed = true
		d.Remaining = m.limit - len(inWindow)
	} else {
		d.RetryAfter = inWindow[0].Add(m.window).Sub(t)
	}
	d.Reset = inWindow[0].Add(m.window).Sub(t)
	return d
}

// TestMemoryMatchesModel drives the limiter and the model with random schedules (bursts at one
// instant, short steps, requests exactly on and one nanosecond before a window edge, long gaps,
// retries at exactly RetryAfter, several keys) and requires identical decisions at every step.
func TestMemoryMatchesModel(t *testing.T) {
	t.Parallel()
	for seed := range uint64(400) {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			t.Parallel()
			runSchedule(t, seed)
		})
	}
}

func runSchedule(t *testing.T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 0x7158))
	limit := 1 + r.IntN(8)
	window := time.Duration(1+r.IntN(3000))*time.Millisecond + time.Duration(r.IntN(1000))
	keys := make([]string, 1+r.IntN(4))
	for i := range keys {
		keys[i] = "key-" + strconv.Itoa(i)
	}
	lim := NewMemory(limit, window)
	want := &model{limit: limit, window: window, admitted: map[string][]time.Time{}}
	got := map[string][]time.Time{} // what the limiter admitted, for the window-span check

	ctx := context.Background()
	now := base
	check := func(key string, at time.Time) Decision {
		t.Helper()
		d, err := lim.Allow(ctx, key, at)
		if err != nil {
			t.Fatal(err)
		}
		if w := want.decide(key, at); d != w {
			t.Fatalf("limit %d, window %v, %s at +%v: got %+v, want %+v", limit, window, key, at.Sub(base), d, w)
		}
		if d.Allowed {
			got[key] = append(got[key], at)
		}
		return d
	}

	for range 400 {
		key := keys[r.IntN(len(keys))]
		switch r.IntN(6) {
		case 0: // burst: same instant
		case 1: // a short step
			now = now.Add(time.Duration(r.Int64N(int64(2*window/time.Duration(limit)) + 1)))
		case 2, 3: // exactly at, or 1 ns before, the moment an admitted request leaves the window
			if a := want.admitted[key]; len(a) > 0 {
				edge := a[max(0, len(a)-1-r.IntN(limit))].Add(window)
				if r.IntN(2) == 0 {
					edge = edge.Add(-1)
				}
				if edge.After(now) {
					now = edge
				}
			}
		case 4: // a long gap
			now = now.Add(window + time.Duration(r.Int64N(int64(2*window))))
		case 5: // nanosecond steps
			now = now.Add(time.Duration(r.IntN(3)))
		}
		d := check(key, now)
		if !d.Allowed && r.IntN(2) == 0 {
			// RetryAfter is exact: one nanosecond sooner is still refused, at RetryAfter it is not.
			retry := now.Add(d.RetryAfter)
			if d := check(key, retry.Add(-1)); d.Allowed {
				t.Fatalf("admitted 1 ns before RetryAfter")
			}
			if d := check(key, retry); !d.Allowed {
				t.Fatalf("refused at RetryAfter %v", d.RetryAfter)
			}
			now = retry
		}
	}

	// No window-long span holds more than limit admitted requests: any limit+1 consecutive
	// admissions stretch over at least the window.
	for key, a := range got {
		for i := limit; i < len(a); i++ {
			if span := a[i].Sub(a[i-limit]); span < window {
				t.Fatalf("%s: %d admitted within %v, window %v", key, limit+1, span, window)
			}
		}
	}
}

func TestMemoryOneInstantManyGoroutines(t *testing.T) {
	t.Parallel()
	const limit, callers = 60, 1000
	lim := NewMemory(limit, time.Minute)
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		admitted  int
		remaining = map[int]bool{}
	)
	start := make(chan struct{})
	for range callers {
		wg.Go(func() {
			<-start
			d, err := lim.Allow(context.Background(), "one-key", base)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if d.Allowed {
				admitted++
				remaining[d.Remaining] = true
			} else if d.RetryAfter != time.Minute {
				t.Errorf("RetryAfter = %v, want 1m", d.RetryAfter)
			}
		})
	}
	close(start)
	wg.Wait()
	if admitted != limit || len(remaining) != limit {
		t.Errorf("admitted %d with %d distinct Remaining values, want %d of each", admitted, len(remaining), limit)
	}
}

// TestMemoryStaleClockIsNotAFreeSlot: a caller whose clock reading is older than a request already
// admitted (it lost the race to the lock) is counted at that newer time, so it can neither open a
// window of its own nor make the key look idle to a sweep.
func TestMemoryStaleClockIsNotAFreeSlot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lim := NewMemory(2, 10*time.Second)
	steps := []struct {
		at         time.Duration
		sweep      bool
		want       bool
		reset      time.Duration
		retryAfter time.Duration
	}{
		{at: 0, want: true, reset: 10 * time.Second},
		{at: 20 * time.Second, want: true, reset: 10 * time.Second},
		// Stale: one slot is free, and the request is counted at 20s.
		{at: 15 * time.Second, want: true, reset: 15 * time.Second},
		{at: 16 * time.Second, want: false, reset: 14 * time.Second, retryAfter: 14 * time.Second},
		// Both requests counted at 20s are still in the window, so the key is not idle.
		{at: 26 * time.Second, sweep: true},
		{at: 26 * time.Second, want: false, reset: 4 * time.Second, retryAfter: 4 * time.Second},
		{at: 30 * time.Second, want: true, reset: 10 * time.Second},
	}
	for _, s := range steps {
		if s.sweep {
			lim.Sweep(base.Add(s.at))
			continue
		}
		d, err := lim.Allow(ctx, "k", base.Add(s.at))
		if err != nil || d.Allowed != s.want || d.Reset != s.reset || d.RetryAfter != s.retryAfter {
			t.Fatalf("at +%v: got %+v, %v; want Allowed=%v Reset=%v RetryAfter=%v", s.at, d, err, s.want, s.reset, s.retryAfter)
		}
	}
}

func TestMemoryKeysAreIndependent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lim := NewMemory(2, time.Minute)
	for i := range 100 {
		for n := range 3 {
			d, _ := lim.Allow(ctx, fmt.Sprint("key-", i), base)
			if d.Allowed != (n < 2) {
				t.Fatalf("key %d request %d: Allowed = %v", i, n, d.Allowed)
			}
		}
	}
}

func TestNewMemoryRefusesNonsense(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		limit  int
		window time.Duration
	}{{0, time.Minute}, {-1, time.Minute}, {60, 0}, {60, -time.Second}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewMemory(%d, %v) did not panic", tt.limit, tt.window)
				}
			}()
			NewMemory(tt.limit, tt.window)
		}()
	}
}

// TestMemorySweepFreesIdleKeys runs alone (not parallel) because it measures the heap.
func TestMemorySweepFreesIdleKeys(t *testing.T) {
	const n = 100_000
	ctx := context.Background()
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	lim := NewMemory(60, time.Minute)
	for i := range n {
		if d, _ := lim.Allow(ctx, "key-"+strconv.Itoa(i), base); !d.Allowed {
			t.Fatalf("first request of key %d refused", i)
		}
	}
	if got := lim.keys(); got != n {
		t.Fatalf("holding %d keys after %d distinct ones in one window, want all of them", got, n)
	}
	full := heap()

	lim.Sweep(base.Add(time.Minute - 1))
	if got := lim.keys(); got != n {
		t.Fatalf("a sweep 1 ns before the window ends left %d keys, want %d", got, n)
	}
	lim.Sweep(base.Add(time.Minute))
	if got := lim.keys(); got != 0 {
		t.Fatalf("a sweep after the window left %d keys, want 0", got)
	}
	swept := heap()
	// Go maps keep their tables after deletes; the sweep must rebuild them to give memory back.
	if grown, kept := full-before, swept-before; full < before || kept > grown/10 {
		t.Errorf("heap: %d B before, %d B with %d keys, %d B after the sweep; want most of it back", before, full, n, swept)
	}
	runtime.KeepAlive(lim)
}

// TestMemoryAmortisedSweep: keys that go idle are dropped by Allow itself, without Sweep.
func TestMemoryAmortisedSweep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lim := NewMemory(60, time.Second)
	for i := range 100_000 {
		// Each key's only request has left the window by the time the next key arrives.
		lim.Allow(ctx, "key-"+strconv.Itoa(i), base.Add(time.Duration(i)*time.Second))
	}
	if got, bound := lim.keys(), shardCount*minSweepAt; got > bound {
		t.Errorf("holding %d idle keys, want at most %d", got, bound)
	}
}

func TestSeconds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d, window time.Duration
		want      int
	}{
		{0, time.Minute, 1},
		{-time.Second, time.Minute, 1},
		{1, time.Minute, 1},
		{time.Second, time.Minute, 1},
		{time.Second + 1, time.Minute, 2},
		{59*time.Second + 1, time.Minute, 60},
		{time.Minute, time.Minute, 60},
		{time.Minute + 1, time.Minute, 60},
		{time.Hour, time.Minute, 60},
		{1<<63 - 1, time.Minute, 60},
		{1200 * time.Millisecond, 1500 * time.Millisecond, 2},
		{time.Millisecond, 500 * time.Millisecond, 1},
		{time.Second, 500 * time.Millisecond, 1},
		{time.Second, 1<<63 - 1, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.d, "/", tt.window), func(t *testing.T) {
			t.Parallel()
			if got := Seconds(tt.d, tt.window); got != tt.want {
				t.Errorf("Seconds(%v, %v) = %d, want %d", tt.d, tt.window, got, tt.want)
			}
		})
	}
}

func BenchmarkMemoryAllow(b *testing.B) {
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = "key-" + strconv.Itoa(i)
	}
	lim := NewMemory(60, time.Minute)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		// One request per key per 100 ms of fake time: keys sit near their limit, so the
		// benchmark pays for both admitting and refusing.
		i := 0
		for pb.Next() {
			lim.Allow(ctx, keys[i%len(keys)], base.Add(time.Duration(i/len(keys))*100*time.Millisecond))
			i++
		}
	})
}
