package helpdesk

import (
	"context"
	"errors"
	"fmt"
)

// NewTicket is the input for creating a ticket.
type NewTicket struct {
	Subject       string
	Description   string
	CustomerEmail string
	CustomerName  *string   // used only when the customer is new
	Priority      *Priority // nil → medium
	Source        Source    // api, web or email
	// InboxID and AssigneeID are set by the app; the API leaves them empty
	// and the ticket lands in the default inbox, unassigned.
	InboxID    string
	AssigneeID string
}

// CreateTicket validates in, finds or creates the customer by email, takes the
// next ticket number and writes the ticket and its events in one transaction.
func (s *Service) CreateTicket(ctx context.Context, workspaceID string, in NewTicket) (*Ticket, error) {
	errs := FieldErrors{}
	subject := text(errs, "subject", in.Subject, 1, MaxSubject)
	description := text(errs, "description", in.Description, 1, MaxBody)
	customerEmail := email(errs, "customer_email", in.CustomerEmail)
	customerName := optionalText(errs, "customer_name", in.CustomerName, 1, MaxPersonName)
	priority := PriorityMedium
	if in.Priority != nil {
		if !in.Priority.Valid() {
			errs.Add("priority", "Must be one of low, medium, high, urgent")
		}
		priority = *in.Priority
	}
	if in.Source == "" {
		in.Source = SourceAPI
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}

	return write(ctx, s, func(tx Tx) (*Ticket, error) {
		pre := prefetchTicketReads(ctx, tx, workspaceID, in.InboxID, customerEmail)
		inbox, err := s.ticketInbox(ctx, tx, workspaceID, in.InboxID, pre)
		if err != nil {
			return nil, err
		}
		var assignee *string
		if in.AssigneeID != "" {
			if _, err := tx.Member(ctx, workspaceID, in.AssigneeID); err != nil {
				return nil, fieldNotFound(err, "assignee_id", "No such teammate")
			}
			assignee = &in.AssigneeID
		}
		customer, err := s.findOrCreateCustomer(ctx, tx, workspaceID, customerEmail, customerName, pre)
		if err != nil {
			return nil, err
		}
		number, err := tx.NextTicketNumber(ctx, workspaceID)
		if err != nil {
			return nil, fmt.Errorf("next ticket number: %w", err)
		}
		now := s.Now()
		t := &Ticket{
			ID: s.newID(), WorkspaceID: workspaceID, Number: number,
			Subject: subject, Description: description,
			Status: StatusNew, Priority: priority, Source: in.Source,
			InboxID: inbox.ID, CustomerID: customer.ID, AssigneeID: assignee,
			CreatedAt: now, UpdatedAt: now,
		}
		if err := tx.CreateTicket(ctx, t); err != nil {
			return nil, fmt.Errorf("create ticket: %w", err)
		}
		if err := s.emitTicket(ctx, tx, EventTicketCreated, t, customer.Email, nil); err != nil {
			return nil, err
		}
		return t, nil
	})
}

// TicketCreateReads are the reads CreateTicket makes before it takes a
// number: the ticket's inbox (the default one when none was chosen) and its
// customer by email, each with the error its own read would have returned.
type TicketCreateReads struct {
	Inbox       *Inbox
	InboxErr    error
	Customer    *Customer
	CustomerErr error
}

// TicketCreateReader is a Tx that can make CreateTicket's reads in one
// round trip. The PostgreSQL store has it: there each statement of a
// transaction is a round trip that the other writers of its group-commit
// batch wait for.
type TicketCreateReader interface {
	TicketCreateReads(ctx context.Context, workspaceID, inboxID, customerEmail string) TicketCreateReads
}

// prefetchTicketReads makes CreateTicket's reads at once when tx can, and
// returns nil when it cannot (the reads are then made one by one).
// Wrappers of a Tx (the service's eventTx, a store's own) are looked
// through: those of other packages by an Unwrap method.
func prefetchTicketReads(ctx context.Context, tx Tx, workspaceID, inboxID, customerEmail string) *TicketCreateReads {
	for {
		if r, ok := tx.(TicketCreateReader); ok {
			reads := r.TicketCreateReads(ctx, workspaceID, inboxID, customerEmail)
			return &reads
		}
		switch w := tx.(type) {
		case eventTx:
			tx = w.Tx
		case interface{ Unwrap() Tx }:
			tx = w.Unwrap()
		default:
			return nil
		}
	}
}

// ticketInbox returns the chosen inbox, or the default when none was chosen;
// from pre when the reads were made already.
func (s *Service) ticketInbox(ctx context.Context, tx Tx, workspaceID, inboxID string, pre *TicketCreateReads) (*Inbox, error) {
	var (
		in  *Inbox
		err error
	)
	switch {
	case pre != nil:
		in, err = pre.Inbox, pre.InboxErr
	case inboxID == "":
		in, err = tx.DefaultInbox(ctx, workspaceID)
	default:
		in, err = tx.Inbox(ctx, workspaceID, inboxID)
	}
	if err != nil {
		if inboxID == "" {
			return nil, fmt.Errorf("default inbox: %w", err)
		}
		return nil, fieldNotFound(err, "inbox_id", "No such inbox")
	}
	return in, nil
}

// findOrCreateCustomer returns the workspace's customer with this normalised
// email, creating it (and firing customer.created) when there is none. pre,
// when not nil, holds the look-up already made.
func (s *Service) findOrCreateCustomer(ctx context.Context, tx Tx, workspaceID, email string, name *string, pre *TicketCreateReads) (*Customer, error) {
	var (
		c   *Customer
		err error
	)
	if pre != nil {
		c, err = pre.Customer, pre.CustomerErr
	} else {
		c, err = tx.CustomerByEmail(ctx, workspaceID, email)
	}
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("find customer: %w", err)
	}
	now := s.Now()
	c = &Customer{ID: s.newID(), WorkspaceID: workspaceID, Email: email, Name: name, CreatedAt: now, UpdatedAt: now}
	if err := tx.CreateCustomer(ctx, c); err != nil {
		return nil, fmt.Errorf("create customer: %w", err)
	}
	if err := s.emitCustomer(ctx, tx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// fieldNotFound turns a missing referenced row into a field error, so a form
// or request that names another workspace's inbox reads as invalid input.
func fieldNotFound(err error, field, msg string) error {
	if errors.Is(err, ErrNotFound) {
		errs := FieldErrors{}
		errs.Add(field, msg)
		return errs.Err()
	}
	return err
}
