package ratelimit

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

// TestPeekAgreesWithAllow checks, over random schedules, that Peek predicts Allow's decision and
// numbers exactly, and that peeking records nothing.
func TestPeekAgreesWithAllow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for seed := range uint64(50) {
		rng := rand.New(rand.NewPCG(seed, 7))
		limit := 1 + rng.IntN(5)
		window := time.Duration(1+rng.IntN(10)) * time.Second
		m := NewMemory(limit, window)
		now := time.Now()
		for step := range 200 {
			now = now.Add(time.Duration(rng.IntN(int(window/2))) + 1)
			// Peeking any number of times changes nothing.
			p1 := m.Peek("k", now)
			p2 := m.Peek("k", now)
			if p1 != p2 {
				t.Fatalf("seed %d step %d: repeated Peek differs: %+v vs %+v", seed, step, p1, p2)
			}
			if rng.IntN(3) == 0 {
				continue
			}
			d, err := m.Allow(ctx, "k", now)
			if err != nil {
				t.Fatal(err)
			}
			if p1.Allowed != d.Allowed {
				t.Fatalf("seed %d step %d: Peek allowed=%v, Allow allowed=%v", seed, step, p1.Allowed, d.Allowed)
			}
			if !d.Allowed && p1.RetryAfter != d.RetryAfter {
				t.Fatalf("seed %d step %d: Peek RetryAfter %v, Allow %v", seed, step, p1.RetryAfter, d.RetryAfter)
			}
			if d.Allowed && p1.Remaining != d.Remaining+1 {
				t.Fatalf("seed %d step %d: Peek remaining %d before an admitted request, Allow left %d", seed, step, p1.Remaining, d.Remaining)
			}
		}
	}
}

func TestPeekUnknownKey(t *testing.T) {
	t.Parallel()
	m := NewMemory(3, time.Minute)
	d := m.Peek("nobody", time.Now())
	if !d.Allowed || d.Remaining != 3 || d.Reset != 0 || d.RetryAfter != 0 {
		t.Fatalf("Peek of an unknown key = %+v, want allowed with the whole limit", d)
	}
}

func TestPeekAfterFilling(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemory(2, time.Minute)
	start := time.Now()
	m.Allow(ctx, "ip", start)
	m.Allow(ctx, "ip", start.Add(10*time.Second))
	d := m.Peek("ip", start.Add(20*time.Second))
	if d.Allowed || d.RetryAfter != 40*time.Second {
		t.Fatalf("Peek on a full log = %+v, want refused with RetryAfter 40s", d)
	}
	if d := m.Peek("ip", start.Add(61*time.Second)); !d.Allowed || d.Remaining != 1 {
		t.Fatalf("Peek after the oldest left = %+v, want allowed with 1 remaining", d)
	}
}
