package txbatch

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TestBatchesAreWhatIsWaiting: the calls that queue while a batch runs make
// up the next batches, at most max at a time, each answered once; a call a
// batch returns goes first in the next one.
func TestBatchesAreWhatIsWaiting(t *testing.T) {
	const max = 3
	var batches [][]int // only the queue's goroutine writes it before Stop
	release := make(chan struct{})
	rerunDone := false
	q := Start(max, func(batch []*Call) []*Call {
		ids := make([]int, len(batch))
		for i, c := range batch {
			ids[i] = c.Ctx.Value(idKey{}).(int)
		}
		batches = append(batches, ids)
		if len(batches) == 1 {
			<-release // hold the goroutine while the others queue
		}
		var rerun []*Call
		for _, c := range batch {
			if len(batches) == 2 && !rerunDone {
				rerunDone = true
				rerun = append(rerun, c)
				continue
			}
			c.Answer(Outcome{})
		}
		return rerun
	}, func() {})

	call := func(id int) *Call {
		return NewCall(context.WithValue(t.Context(), idKey{}, id), func(helpdesk.Tx) error { return nil })
	}
	calls := []*Call{call(0)}
	if err := q.Send(t.Context(), calls[0]); err != nil {
		t.Fatal(err)
	}
	var sent sync.WaitGroup
	for id := 1; id <= 6; id++ {
		c := call(id)
		calls = append(calls, c)
		sent.Go(func() {
			if err := q.Send(t.Context(), c); err != nil {
				t.Error(err)
			}
		})
	}
	close(release)
	sent.Wait()
	for _, c := range calls {
		if err := c.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	q.Stop()

	if !slices.Equal(batches[0], []int{0}) {
		t.Fatalf("first batch %v, want [0]", batches[0])
	}
	seen := map[int]int{}
	for i, b := range batches {
		if len(b) == 0 || len(b) > max {
			t.Fatalf("batch %d has %d calls, want 1…%d: %v", i, len(b), max, batches)
		}
		for _, id := range b {
			seen[id]++
		}
	}
	rerun := batches[1][0]
	if len(batches) < 3 || batches[2][0] != rerun {
		t.Fatalf("call %d, returned by batch 1, does not open batch 2: %v", rerun, batches)
	}
	for id := range 7 {
		want := 1
		if id == rerun {
			want = 2
		}
		if seen[id] != want {
			t.Fatalf("call %d ran in %d batches, want %d: %v", id, seen[id], want, batches)
		}
	}
}

type idKey struct{}

// TestPanicsReachTheCaller: Run turns fn's panic into an Outcome, and Wait
// raises it again in the caller's goroutine.
func TestPanicsReachTheCaller(t *testing.T) {
	q := Start(8, func(batch []*Call) []*Call {
		for _, c := range batch {
			c.Answer(Run(nil, c.Fn))
		}
		return nil
	}, func() {})
	defer q.Stop()
	c := NewCall(t.Context(), func(helpdesk.Tx) error { panic("boom") })
	if err := q.Send(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if p := recover(); p != "boom" {
			t.Fatalf("recovered %v, want boom", p)
		}
	}()
	_ = c.Wait()
	t.Fatal("Wait returned instead of panicking")
}

// TestStopAndCancel: a stopped queue refuses calls with ErrClosed, after
// finish has run once; a call whose ctx has ended is refused with ctx's
// error while the goroutine is busy.
func TestStopAndCancel(t *testing.T) {
	hold := make(chan struct{})
	finished := 0
	q := Start(8, func(batch []*Call) []*Call {
		<-hold
		for _, c := range batch {
			c.Answer(Outcome{Err: errors.New("ran")})
		}
		return nil
	}, func() { finished++ })
	first := NewCall(t.Context(), nil)
	if err := q.Send(t.Context(), first); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := q.Send(ctx, NewCall(ctx, nil)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Send with an ended ctx: %v, want context.Canceled", err)
	}
	close(hold)
	if err := first.Wait(); err == nil || err.Error() != "ran" {
		t.Fatalf("first call: %v", err)
	}
	q.Stop()
	q.Stop()
	if finished != 1 {
		t.Fatalf("finish ran %d times, want 1", finished)
	}
	if err := q.Send(t.Context(), NewCall(t.Context(), nil)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after Stop: %v, want ErrClosed", err)
	}
	if q.Offer(NewCall(t.Context(), nil)) {
		t.Fatal("Offer after Stop was taken")
	}
}
