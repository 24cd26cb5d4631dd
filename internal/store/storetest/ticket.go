package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

func testTickets(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	w := seed(t, s, "alpha")

	got, err := s.Ticket(ctx, w.WS.ID, w.Ticket.ID)
	noErr(t, err)
	equal(t, "Ticket", got, &w.Ticket)
	got, err = s.TicketByNumber(ctx, w.WS.ID, 1)
	noErr(t, err)
	equal(t, "TicketByNumber", got, &w.Ticket)
	_, err = s.Ticket(ctx, w.WS.ID, unknownID())
	wantNotFound(t, "Ticket(unknown)", err)
	_, err = s.TicketByNumber(ctx, w.WS.ID, 2)
	wantNotFound(t, "TicketByNumber(unknown)", err)

	// A second ticket, unassigned, takes number 2.
	second := helpdesk.Ticket{ID: newID(), WorkspaceID: w.WS.ID, Subject: "Second", Description: "d",
		Status: helpdesk.StatusNew, Priority: helpdesk.PriorityLow, Source: helpdesk.SourceWeb,
		InboxID: w.Other.ID, CustomerID: w.Customer.ID, CreatedAt: at(100), UpdatedAt: at(100)}
	inTx(t, s, func(tx helpdesk.Tx) error {
		n, err := tx.NextTicketNumber(ctx, w.WS.ID)
		if err != nil {
			return err
		}
		second.Number = n
		return tx.CreateTicket(ctx, &second)
	})
	equal(t, "second ticket number", second.Number, int64(2))
	got, err = s.TicketByNumber(ctx, w.WS.ID, 2)
	noErr(t, err)
	equal(t, "unassigned ticket", got, &second)

	dup := second
	dup.ID = newID()
	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.CreateTicket(ctx, &dup) })
	wantConflict(t, "duplicate ticket number", err)

	// UpdateTicket writes every mutable field, nil pointers included.
	merged := w.Ticket
	merged.Subject, merged.Status, merged.Priority = "Merged away", helpdesk.StatusClosed, helpdesk.PriorityUrgent
	merged.InboxID, merged.AssigneeID, merged.MergedIntoID, merged.UpdatedAt = w.Other.ID, nil, &second.ID, at(200)
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.UpdateTicket(ctx, &merged) })
	got, err = s.Ticket(ctx, w.WS.ID, w.Ticket.ID)
	noErr(t, err)
	equal(t, "updated ticket", got, &merged)

	err = s.InTx(ctx, func(tx helpdesk.Tx) error {
		ghost := second
		ghost.ID = unknownID()
		return tx.UpdateTicket(ctx, &ghost)
	})
	wantNotFound(t, "UpdateTicket(unknown)", err)
	err = s.InTx(ctx, func(tx helpdesk.Tx) error {
		_, err := tx.NextTicketNumber(ctx, unknownID())
		return err
	})
	wantNotFound(t, "NextTicketNumber(unknown workspace)", err)
}

// testTicketNumberRollback proves that a rolled-back transaction gives its
// ticket number back.
func testTicketNumberRollback(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	w := seed(t, s, "alpha") // has ticket 1
	errAbort := errors.New("abort")

	for range 2 {
		err := s.InTx(ctx, func(tx helpdesk.Tx) error {
			n, err := tx.NextTicketNumber(ctx, w.WS.ID)
			if err != nil {
				return err
			}
			equal(t, "number inside the rolled-back transaction", n, int64(2))
			return errAbort
		})
		if !errors.Is(err, errAbort) {
			t.Fatalf("InTx returned %v, want fn's error", err)
		}
	}
	inTx(t, s, func(tx helpdesk.Tx) error {
		n, err := tx.NextTicketNumber(ctx, w.WS.ID)
		equal(t, "number after the rollbacks", n, int64(2))
		return err
	})
}

// testTicketNumbersGapless races creating transactions, some of which roll
// back after taking a number: the committed tickets must be numbered 1..n.
func testTicketNumbersGapless(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	w := seed(t, s, "alpha") // has ticket 1
	const commits, rollbacks = 20, 10
	errAbort := errors.New("abort")

	var wg sync.WaitGroup
	errs := make(chan error, commits+rollbacks)
	for i := range commits + rollbacks {
		wg.Go(func() {
			err := s.InTx(ctx, func(tx helpdesk.Tx) error {
				n, err := tx.NextTicketNumber(ctx, w.WS.ID)
				if err != nil {
					return err
				}
				tk := w.Ticket
				tk.ID, tk.Number = newID(), n
				if err := tx.CreateTicket(ctx, &tk); err != nil {
					return err
				}
				if i%3 == 2 {
					return errAbort
				}
				return nil
			})
			if err != nil && !errors.Is(err, errAbort) {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	rows, err := s.Tickets(ctx, w.WS.ID, helpdesk.TicketFilter{})
	noErr(t, err)
	var numbers []int64
	for _, r := range rows {
		numbers = append(numbers, r.Number)
	}
	slices.Sort(numbers)
	want := make([]int64, 1+commits)
	for i := range want {
		want[i] = int64(i + 1)
	}
	equal(t, "committed ticket numbers", numbers, want)
}

func testCountTickets(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	a := seed(t, s, "alpha") // one open ticket
	seed(t, s, "beta")       // another workspace's open ticket must not count
	inTx(t, s, func(tx helpdesk.Tx) error {
		for _, st := range []helpdesk.Status{helpdesk.StatusNew, helpdesk.StatusNew, helpdesk.StatusClosed, helpdesk.StatusClosed} {
			n, err := tx.NextTicketNumber(ctx, a.WS.ID)
			if err != nil {
				return err
			}
			tk := a.Ticket
			tk.ID, tk.Number, tk.Status = newID(), n, st
			if tk.Number == 5 {
				tk.MergedIntoID = &a.Ticket.ID // merged tickets are not counted
			}
			if err := tx.CreateTicket(ctx, &tk); err != nil {
				return err
			}
		}
		return nil
	})
	counts, err := s.CountTickets(ctx, a.WS.ID)
	noErr(t, err)
	for st, want := range map[helpdesk.Status]int{helpdesk.StatusNew: 2, helpdesk.StatusOpen: 1, helpdesk.StatusPending: 0, helpdesk.StatusClosed: 1} {
		if counts[st] != want {
			t.Errorf("CountTickets[%s] = %d, want %d (all: %v)", st, counts[st], want, counts)
		}
	}
}

func testMessages(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	tieID := newID() // older than every id seed makes
	w := seed(t, s, "alpha")

	// A later reply, and one written in the same microsecond as the note but
	// stored after it: ids (time-ordered UUIDs) break the tie, not insertion.
	reply := helpdesk.Message{ID: newID(), WorkspaceID: w.WS.ID, TicketID: w.Ticket.ID, AuthorType: helpdesk.AuthorAgent,
		AuthorName: "Agent", AuthorID: &w.Agent.ID, Body: "On it", Source: helpdesk.SourceWeb, CreatedAt: at(30)}
	tie := helpdesk.Message{ID: tieID, WorkspaceID: w.WS.ID, TicketID: w.Ticket.ID, AuthorType: helpdesk.AuthorCustomer,
		AuthorName: "Jane", Body: "Also", Source: helpdesk.SourceEmail, CreatedAt: w.Note.CreatedAt}
	other := helpdesk.Ticket{ID: newID(), WorkspaceID: w.WS.ID, Number: 2, Subject: "Other", Description: "d",
		Status: helpdesk.StatusNew, Priority: helpdesk.PriorityLow, Source: helpdesk.SourceAPI, InboxID: w.Inbox.ID,
		CustomerID: w.Customer.ID, CreatedAt: at(0), UpdatedAt: at(0)}
	elsewhere := helpdesk.Message{ID: newID(), WorkspaceID: w.WS.ID, TicketID: other.ID, AuthorType: helpdesk.AuthorCustomer,
		AuthorName: "Jane", Body: "Different ticket", Source: helpdesk.SourceAPI, CreatedAt: at(1)}
	inTx(t, s, func(tx helpdesk.Tx) error {
		return errors.Join(tx.CreateMessage(ctx, &reply), tx.CreateMessage(ctx, &tie),
			tx.CreateTicket(ctx, &other), tx.CreateMessage(ctx, &elsewhere))
	})

	all, err := s.Messages(ctx, w.WS.ID, w.Ticket.ID, true)
	noErr(t, err)
	equal(t, "Messages with notes, oldest first", all, []helpdesk.Message{w.Message, tie, w.Note, reply})
	public, err := s.Messages(ctx, w.WS.ID, w.Ticket.ID, false)
	noErr(t, err)
	equal(t, "Messages without notes", public, []helpdesk.Message{w.Message, tie, reply})
	none, err := s.Messages(ctx, w.WS.ID, unknownID(), true)
	noErr(t, err)
	equal(t, "Messages of an unknown ticket", len(none), 0)

	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.CreateMessage(ctx, &reply) })
	wantConflict(t, "duplicate message id", err)
}
