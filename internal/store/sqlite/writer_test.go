package sqlite

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TestGroupCommit runs many InTx calls at once, so that the writer batches
// them, with every third failing after it has written: each call's outcome
// must be its own, and ticket numbers stay gapless and unique.
func TestGroupCommit(t *testing.T) {
	ctx := t.Context()
	s := openTest(t, Options{})
	shared := &helpdesk.Workspace{ID: "shared", Name: "Shared", Slug: "shared", CreatedAt: time.Now()}
	if err := s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.CreateWorkspace(ctx, shared) }); err != nil {
		t.Fatal(err)
	}
	errFail := errors.New("fail on purpose")
	const calls = 300
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		numbers []int64
	)
	for i := range calls {
		wg.Go(func() {
			ws := &helpdesk.Workspace{ID: fmt.Sprintf("w%d", i), Name: "W", Slug: fmt.Sprintf("w%d", i), CreatedAt: time.Now()}
			var n int64
			err := s.InTx(ctx, func(tx helpdesk.Tx) error {
				var err error
				if n, err = tx.NextTicketNumber(ctx, shared.ID); err != nil {
					return err
				}
				if err := tx.CreateWorkspace(ctx, ws); err != nil {
					return err
				}
				if i%3 == 0 {
					return errFail
				}
				if i%3 == 1 {
					// A unique violation inside the call rolls back only the
					// statement; the call handles it and carries on.
					if err := tx.CreateWorkspace(ctx, shared); !errors.Is(err, helpdesk.ErrConflict) {
						return fmt.Errorf("duplicate workspace: %v", err)
					}
				}
				return nil
			})
			_, readErr := s.Workspace(ctx, ws.ID)
			switch {
			case i%3 == 0:
				if !errors.Is(err, errFail) {
					t.Errorf("call %d returned %v, want its own error", i, err)
				}
				if !errors.Is(readErr, helpdesk.ErrNotFound) {
					t.Errorf("call %d failed but its workspace is there (%v)", i, readErr)
				}
			default:
				if err != nil {
					t.Errorf("call %d: %v", i, err)
					return
				}
				if readErr != nil {
					t.Errorf("call %d committed but its workspace cannot be read: %v", i, readErr)
				}
				mu.Lock()
				numbers = append(numbers, n)
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	slices.Sort(numbers)
	for i, n := range numbers {
		if n != int64(i+1) {
			t.Fatalf("committed ticket numbers are not 1…%d without gaps: %v", len(numbers), numbers)
		}
	}
	var seq int64
	if err := s.read.QueryRowContext(ctx, "SELECT ticket_seq FROM workspaces WHERE id = 'shared'").Scan(&seq); err != nil {
		t.Fatal(err)
	}
	if seq != int64(len(numbers)) {
		t.Errorf("ticket_seq = %d after %d committed calls", seq, len(numbers))
	}
	batches, ran := s.w.batches.Load(), s.w.calls.Load()
	t.Logf("%d calls in %d transactions", ran, batches)
	if batches >= ran {
		t.Errorf("%d calls took %d transactions: nothing was batched", ran, batches)
	}
}

// TestGroupCommitPanic: a panic in one call of a batch is re-raised in its
// caller and rolls back only that call.
func TestGroupCommitPanic(t *testing.T) {
	ctx := t.Context()
	s := openTest(t, Options{})
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			ws := &helpdesk.Workspace{ID: fmt.Sprintf("w%d", i), Name: "W", Slug: fmt.Sprintf("w%d", i), CreatedAt: time.Now()}
			panicked := func() (p bool) {
				defer func() { p = recover() != nil }()
				_ = s.InTx(ctx, func(tx helpdesk.Tx) error {
					if err := tx.CreateWorkspace(ctx, ws); err != nil {
						return err
					}
					if i%2 == 0 {
						panic("boom")
					}
					return nil
				})
				return false
			}()
			if panicked != (i%2 == 0) {
				t.Errorf("call %d: panicked %v", i, panicked)
			}
			_, err := s.Workspace(ctx, ws.ID)
			if (i%2 == 0) != errors.Is(err, helpdesk.ErrNotFound) {
				t.Errorf("call %d: reading its workspace: %v", i, err)
			}
		})
	}
	wg.Wait()
}

// TestInTxCancelled: a caller whose context is done gets its error, and
// nothing of it is written.
func TestInTxCancelled(t *testing.T) {
	s := openTest(t, Options{})
	ctx, cancel := contextWithCancel(t)
	cancel()
	ran := false
	err := s.InTx(ctx, func(tx helpdesk.Tx) error { ran = true; return nil })
	if err == nil || ran {
		t.Errorf("InTx with a cancelled context: err %v, fn ran %v", err, ran)
	}
}

// TestInTxAfterClose: InTx on a closed store fails instead of waiting.
func TestInTxAfterClose(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "t.db"), Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := s.InTx(t.Context(), func(tx helpdesk.Tx) error { return nil }); !errors.Is(err, errClosed) {
		t.Errorf("InTx after Close: %v", err)
	}
}
