package fakeclock_test

import (
	"sync"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/fakeclock"
)

func TestClock(t *testing.T) {
	start := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	c := fakeclock.New(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("Now = %v, want %v", got, start)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { c.Advance(time.Second) })
	}
	wg.Wait()
	if got, want := c.Now(), start.Add(10*time.Second); !got.Equal(want) {
		t.Fatalf("after ten concurrent Advance(1s): %v, want %v", got, want)
	}
	c.Advance(-10 * time.Second)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("after Advance(-10s): %v, want %v", got, start)
	}
}
