package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TestBackgroundCommitsBesideRequests: while the requests' committer is
// busy with a batch, the dispatcher's transactions (Background) still
// commit, and several of them run at once; their tickets keep the
// workspace's numbers gapless with the requests'.
func TestBackgroundCommitsBesideRequests(t *testing.T) {
	t.Parallel()
	s, _ := open(t)
	ctx := t.Context()
	w := seedBatchWorld(t, s)
	bg := s.Background()

	// A request's transaction that holds the requests' committer until
	// released.
	release := make(chan struct{})
	held := make(chan struct{})
	reqDone := make(chan error, 1)
	go func() {
		reqDone <- s.InTx(ctx, func(tx helpdesk.Tx) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held

	// Two background transactions in flight at once, each waiting for the
	// other to start: they can only both finish on separate committers.
	var started sync.WaitGroup
	started.Add(2)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			errs <- bg.InTx(ctx, func(tx helpdesk.Tx) error {
				if _, err := tx.Workspace(ctx, w.ws); err != nil {
					return err
				}
				started.Done()
				started.Wait()
				return nil
			})
		}()
	}
	for range 2 {
		select {
		case err := <-errs:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("background transactions did not commit while the requests' committer was busy")
		}
	}
	close(release)
	if err := <-reqDone; err != nil {
		t.Fatal(err)
	}

	// Numbers taken through both paths at once stay gapless.
	var wg sync.WaitGroup
	nums := make(chan int64, 400) // a rerun member sends again
	for i := range 40 {
		store := helpdesk.Store(s)
		if i%2 == 0 {
			store = bg
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := store.InTx(ctx, func(tx helpdesk.Tx) error {
				n, err := w.createTicket(ctx, tx, "both")
				nums <- n
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	close(nums)
	seen := map[int64]bool{}
	for n := range nums {
		seen[n] = true
	}
	for n := int64(1); n <= 40; n++ {
		if !seen[n] {
			t.Fatalf("ticket number %d missing: %v", n, seen)
		}
	}
}

// TestBackgroundAfterClose: a closed store refuses background work too.
func TestBackgroundAfterClose(t *testing.T) {
	t.Parallel()
	s, _ := open(t)
	s.Close()
	err := s.Background().InTx(context.Background(), func(tx helpdesk.Tx) error { return nil })
	if err == nil {
		t.Fatal("InTx on a closed store succeeded")
	}
}
