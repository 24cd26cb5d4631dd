package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/postgres"
)

// batchWorld is a workspace with an inbox and a customer, to create tickets
// in.
type batchWorld struct {
	ws, inbox, customer string
}

func seedBatchWorld(t *testing.T, s helpdesk.Store) batchWorld {
	t.Helper()
	ctx := t.Context()
	now := time.Now().UTC()
	w := batchWorld{ws: uuid.NewString(), inbox: uuid.NewString(), customer: uuid.NewString()}
	err := s.InTx(ctx, func(tx helpdesk.Tx) error {
		return errors.Join(
			tx.CreateWorkspace(ctx, &helpdesk.Workspace{ID: w.ws, Name: "Batch", Slug: "batch-" + w.ws[:8], CreatedAt: now}),
			tx.CreateInbox(ctx, &helpdesk.Inbox{ID: w.inbox, WorkspaceID: w.ws, Name: "Support", IsDefault: true, CreatedAt: now}),
			tx.CreateCustomer(ctx, &helpdesk.Customer{ID: w.customer, WorkspaceID: w.ws, Email: "c@batch.example",
				CreatedAt: now, UpdatedAt: now}))
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// createTicket is what the service's ticket create does to the store: a
// number, the ticket, its event.
func (w batchWorld) createTicket(ctx context.Context, tx helpdesk.Tx, subject string) (int64, error) {
	n, err := tx.NextTicketNumber(ctx, w.ws)
	if err != nil {
		return 0, err
	}
	now := time.Now().UTC()
	tk := helpdesk.Ticket{ID: uuid.NewString(), WorkspaceID: w.ws, Number: n, Subject: subject, Description: "d",
		Status: helpdesk.StatusNew, Priority: helpdesk.PriorityLow, Source: helpdesk.SourceAPI,
		InboxID: w.inbox, CustomerID: w.customer, CreatedAt: now, UpdatedAt: now}
	if err := tx.CreateTicket(ctx, &tk); err != nil {
		return 0, err
	}
	return n, tx.CreateEvent(ctx, &helpdesk.Event{ID: uuid.NewString(), WorkspaceID: w.ws,
		Type: helpdesk.EventTicketCreated, Payload: []byte(`{}`), CreatedAt: now})
}

// errPanicked stands for a panic that InTx re-raised.
var errPanicked = errors.New("panicked")

// inOneBatch runs fns as concurrent InTx calls that the committer takes as
// one batch: a first call holds the committer until the others are queued.
// It returns each call's error and how many batches ran them (the holder's
// own excluded).
func inOneBatch(t *testing.T, s *postgres.Store, fns ...func(tx helpdesk.Tx) error) ([]error, int64) {
	t.Helper()
	return inOneBatchCtx(t, s, nil, fns...)
}

func inOneBatchCtx(t *testing.T, s *postgres.Store, ctxs []context.Context, fns ...func(tx helpdesk.Tx) error) ([]error, int64) {
	t.Helper()
	hold, held := make(chan struct{}), make(chan struct{})
	holder := make(chan error, 1)
	go func() {
		holder <- s.InTx(t.Context(), func(helpdesk.Tx) error {
			close(held)
			<-hold
			return nil
		})
	}()
	<-held
	before, _ := s.Batches()
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		ctx := t.Context()
		if ctxs != nil && ctxs[i] != nil {
			ctx = ctxs[i]
		}
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					errs[i] = fmt.Errorf("%w: %v", errPanicked, p)
				}
			}()
			errs[i] = s.InTx(ctx, fn)
		})
		time.Sleep(20 * time.Millisecond) // queue in order: the channel serves its senders first come, first served
	}
	close(hold)
	if err := <-holder; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	after, _ := s.Batches()
	return errs, after - before - 1
}

// TestGroupCommitBatches: concurrent creates share transactions, and their
// ticket numbers stay gapless.
func TestGroupCommitBatches(t *testing.T) {
	s, _ := open(t)
	w := seedBatchWorld(t, s)
	const n = 40
	fns := make([]func(helpdesk.Tx) error, n)
	numbers := make([]int64, n)
	for i := range fns {
		fns[i] = func(tx helpdesk.Tx) (err error) {
			numbers[i], err = w.createTicket(t.Context(), tx, "t")
			return err
		}
	}
	errs, batches := inOneBatch(t, s, fns...)
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if batches != 1 {
		t.Errorf("%d calls ran in %d transactions, want 1", n, batches)
	}
	seen := map[int64]bool{}
	for _, num := range numbers {
		seen[num] = true
	}
	for num := int64(1); num <= n; num++ {
		if !seen[num] {
			t.Errorf("ticket number %d missing", num)
		}
	}
	tickets, err := s.Tickets(t.Context(), w.ws, helpdesk.TicketFilter{})
	noErr(t, err)
	if len(tickets) != n {
		t.Errorf("%d tickets stored, want %d", len(tickets), n)
	}
	events, err := s.Events(t.Context(), w.ws, 0, 0)
	noErr(t, err)
	if len(events) != n {
		t.Errorf("%d events stored, want %d", len(events), n)
	}
}

// TestGroupCommitMemberFailure: in one batch, a member that fails (by its
// error, a panic, a failed statement it swallows, or a deferred insert that
// conflicts after its fn returned) leaves nothing behind and undoes nothing
// of the others, whose ticket numbers stay gapless.
func TestGroupCommitMemberFailure(t *testing.T) {
	s, _ := open(t)
	w := seedBatchWorld(t, s)
	ctx := t.Context()
	errAbort := errors.New("abort")
	ok := func(tx helpdesk.Tx) error { _, err := w.createTicket(ctx, tx, "kept"); return err }
	lost := func(tx helpdesk.Tx) error { _, err := w.createTicket(ctx, tx, "lost"); return err }
	errs, batches := inOneBatch(t, s,
		ok,
		func(tx helpdesk.Tx) error { return errors.Join(lost(tx), errAbort) },
		ok,
		func(tx helpdesk.Tx) error {
			if err := lost(tx); err != nil {
				return err
			}
			panic("boom")
		},
		ok,
		func(tx helpdesk.Tx) error {
			if err := lost(tx); err != nil {
				return err
			}
			// No such workspace: a foreign-key violation, which aborts the
			// member's savepoint even though fn carries on.
			_ = tx.CreateInbox(ctx, &helpdesk.Inbox{ID: uuid.NewString(), WorkspaceID: uuid.NewString(), Name: "x",
				CreatedAt: time.Now()})
			return nil
		},
		ok,
		func(tx helpdesk.Tx) error {
			if err := lost(tx); err != nil {
				return err
			}
			// Ticket #1 again: the deferred insert meets the row when it goes
			// out, at the end of fn.
			now := time.Now().UTC()
			return tx.CreateTicket(ctx, &helpdesk.Ticket{ID: uuid.NewString(), WorkspaceID: w.ws, Number: 1,
				Subject: "lost", Description: "d", Status: helpdesk.StatusNew, Priority: helpdesk.PriorityLow,
				Source: helpdesk.SourceAPI, InboxID: w.inbox, CustomerID: w.customer, CreatedAt: now, UpdatedAt: now})
		},
		ok,
	)
	// The conflicting insert goes out after its fn returned, with the next
	// member's first statement: the batch runs once more, with that member
	// sending its writes itself.
	if batches > 2 {
		t.Errorf("ran in %d transactions, want at most 2", batches)
	}
	want := []error{nil, errAbort, nil, errPanicked, nil, helpdesk.ErrNotFound, nil, helpdesk.ErrConflict, nil}
	for i, err := range errs {
		switch {
		case want[i] == nil && err != nil:
			t.Errorf("call %d: %v", i, err)
		case want[i] != nil && err == nil:
			t.Errorf("call %d succeeded, want %v", i, want[i])
		case want[i] == helpdesk.ErrNotFound && err != nil:
			// The failed statement's error, whatever PostgreSQL said.
		case want[i] != nil && !errors.Is(err, want[i]):
			t.Errorf("call %d: got %v, want %v", i, err, want[i])
		}
	}
	tickets, err := s.Tickets(ctx, w.ws, helpdesk.TicketFilter{})
	noErr(t, err)
	if len(tickets) != 5 {
		t.Fatalf("%d tickets stored, want the 5 that succeeded", len(tickets))
	}
	for _, tk := range tickets {
		if tk.Subject != "kept" || tk.Number < 1 || tk.Number > 5 {
			t.Errorf("ticket #%d %q stored", tk.Number, tk.Subject)
		}
	}
	events, err := s.Events(ctx, w.ws, 0, 0)
	noErr(t, err)
	if len(events) != 5 {
		t.Errorf("%d events stored, want 5", len(events))
	}
	// The next transaction counts on from 5.
	var n int64
	err = s.InTx(ctx, func(tx helpdesk.Tx) (err error) { n, err = w.createTicket(ctx, tx, "after"); return err })
	noErr(t, err)
	if n != 6 {
		t.Errorf("next ticket number %d, want 6", n)
	}
}

// TestGroupCommitRace: a member whose insert meets a row another process
// committed meanwhile runs again, in the same batch, and finds the row;
// the other members are not disturbed.
func TestGroupCommitRace(t *testing.T) {
	s, dsn := open(t)
	w := seedBatchWorld(t, s)
	other, err := postgres.Open(t.Context(), dsn, postgres.Options{MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := t.Context()
	const email = "racer@batch.example"
	runs := 0
	var found string
	racer := func(tx helpdesk.Tx) error {
		runs++
		c, err := tx.CustomerByEmail(ctx, w.ws, email)
		if err == nil {
			found = c.ID
			return nil
		}
		if !errors.Is(err, helpdesk.ErrNotFound) {
			return err
		}
		if runs == 1 {
			// Another instance creates the customer between our look-up and
			// our insert.
			err := other.InTx(ctx, func(tx helpdesk.Tx) error {
				now := time.Now().UTC()
				return tx.CreateCustomer(ctx, &helpdesk.Customer{ID: "winner-" + uuid.NewString(), WorkspaceID: w.ws,
					Email: email, CreatedAt: now, UpdatedAt: now})
			})
			if err != nil {
				return fmt.Errorf("the other instance: %w", err)
			}
		}
		now := time.Now().UTC()
		return tx.CreateCustomer(ctx, &helpdesk.Customer{ID: uuid.NewString(), WorkspaceID: w.ws, Email: email,
			CreatedAt: now, UpdatedAt: now})
	}
	ok := func(tx helpdesk.Tx) error { _, err := w.createTicket(ctx, tx, "kept"); return err }
	errs, batches := inOneBatch(t, s, ok, racer, ok)
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if batches != 1 {
		t.Errorf("ran in %d transactions, want 1", batches)
	}
	if runs != 2 || found == "" || found[:7] != "winner-" {
		t.Errorf("the racer ran %d times and found %q, want 2 runs finding the winner's customer", runs, found)
	}
	tickets, err := s.Tickets(ctx, w.ws, helpdesk.TicketFilter{})
	noErr(t, err)
	if len(tickets) != 2 {
		t.Errorf("%d tickets stored, want 2", len(tickets))
	}
}

// TestGroupCommitWholeBatchRetry: a deadlock or serialization failure in
// one member rolls back the whole batch (the locks of the members before it
// may be part of the cycle), and every member runs again: the work of those
// that had succeeded is committed once, not lost and not doubled.
func TestGroupCommitWholeBatchRetry(t *testing.T) {
	s, _ := open(t)
	w := seedBatchWorld(t, s)
	ctx := t.Context()
	var runs [3]int
	member := func(i int) func(tx helpdesk.Tx) error {
		return func(tx helpdesk.Tx) error {
			runs[i]++
			if _, err := w.createTicket(ctx, tx, "kept"); err != nil {
				return err
			}
			if i == 1 && runs[i] == 1 {
				// What PostgreSQL answers the victim of a deadlock.
				return fmt.Errorf("lock: %w", &pgconn.PgError{Code: "40P01", Message: "deadlock detected"})
			}
			return nil
		}
	}
	errs, _ := inOneBatch(t, s, member(0), member(1), member(2))
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if runs != [3]int{2, 2, 1} {
		t.Errorf("runs %v, want [2 2 1]: the batch ran again from its first member", runs)
	}
	tickets, err := s.Tickets(ctx, w.ws, helpdesk.TicketFilter{})
	noErr(t, err)
	if len(tickets) != 3 {
		t.Errorf("%d tickets stored, want 3", len(tickets))
	}
	for _, tk := range tickets {
		if tk.Number < 1 || tk.Number > 3 {
			t.Errorf("ticket number %d, want 1…3", tk.Number)
		}
	}
}

// TestGroupCommitCancel: a caller whose context ends before its turn is not
// run; one whose context ends while its fn runs fails at its next statement
// and is rolled back; neither disturbs the other members.
func TestGroupCommitCancel(t *testing.T) {
	s, _ := open(t)
	w := seedBatchWorld(t, s)
	ctx := t.Context()
	gone, cancelGone := context.WithCancel(ctx)
	leaving, cancelLeaving := context.WithCancel(ctx)
	defer cancelLeaving()
	goneRan := false
	ok := func(tx helpdesk.Tx) error { _, err := w.createTicket(ctx, tx, "kept"); return err }
	fns := []func(helpdesk.Tx) error{
		ok,
		func(tx helpdesk.Tx) error { goneRan = true; return nil },
		func(tx helpdesk.Tx) error {
			if _, err := w.createTicket(leaving, tx, "lost"); err != nil {
				return err
			}
			cancelLeaving()
			_, err := w.createTicket(leaving, tx, "lost")
			return err
		},
		ok,
	}
	ctxs := []context.Context{nil, gone, leaving, nil}
	go func() { time.Sleep(30 * time.Millisecond); cancelGone() }() // once its call is queued
	errs, batches := inOneBatchCtx(t, s, ctxs, fns...)
	if batches != 1 {
		t.Errorf("ran in %d transactions, want 1", batches)
	}
	if errs[0] != nil || errs[3] != nil {
		t.Errorf("the other members failed: %v, %v", errs[0], errs[3])
	}
	if !errors.Is(errs[1], context.Canceled) || goneRan {
		t.Errorf("the caller gone before its turn: ran %t, error %v", goneRan, errs[1])
	}
	if !errors.Is(errs[2], context.Canceled) {
		t.Errorf("the caller gone midway: error %v, want context.Canceled", errs[2])
	}
	tickets, err := s.Tickets(ctx, w.ws, helpdesk.TicketFilter{})
	noErr(t, err)
	if len(tickets) != 2 {
		t.Errorf("%d tickets stored, want 2", len(tickets))
	}
	for _, tk := range tickets {
		if tk.Subject != "kept" || tk.Number > 2 {
			t.Errorf("ticket #%d %q stored", tk.Number, tk.Subject)
		}
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestGroupCommitTailAtCommit: the last member's writes go out with the
// COMMIT; when one fails there, the others still commit, once.
func TestGroupCommitTailAtCommit(t *testing.T) {
	s, _ := open(t)
	w := seedBatchWorld(t, s)
	ctx := t.Context()
	ok := func(tx helpdesk.Tx) error { _, err := w.createTicket(ctx, tx, "kept"); return err }
	dup := func(tx helpdesk.Tx) error {
		now := time.Now().UTC()
		return tx.CreateTicket(ctx, &helpdesk.Ticket{ID: uuid.NewString(), WorkspaceID: w.ws, Number: 1,
			Subject: "lost", Description: "d", Status: helpdesk.StatusNew, Priority: helpdesk.PriorityLow,
			Source: helpdesk.SourceAPI, InboxID: w.inbox, CustomerID: w.customer, CreatedAt: now, UpdatedAt: now})
	}
	errs, _ := inOneBatch(t, s, ok, ok, dup)
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("the other members failed: %v, %v", errs[0], errs[1])
	}
	if !errors.Is(errs[2], helpdesk.ErrConflict) {
		t.Errorf("the duplicate: %v, want ErrConflict", errs[2])
	}
	tickets, err := s.Tickets(ctx, w.ws, helpdesk.TicketFilter{})
	noErr(t, err)
	if len(tickets) != 2 {
		t.Errorf("%d tickets stored, want 2", len(tickets))
	}
	events, err := s.Events(ctx, w.ws, 0, 0)
	noErr(t, err)
	if len(events) != 2 {
		t.Errorf("%d events stored, want 2", len(events))
	}
}
