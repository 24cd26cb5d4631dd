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

	// Where the store's reads are round trips (RoundTripStore), they go
	// before the transaction: read inside it, they were a round trip every
	// later create of the group-commit batch waited for. Read before, on
	// the store's pool, creates read in parallel, and a create from a known
	// customer makes no round trip of its own inside the batch. What they
	// found stays true: customers and inboxes are never deleted, and a
	// customer's email never changes (CustomerChanges has none). A ticket
	// created while an admin switches the default inbox may land in either,
	// as it could have when read inside the transaction a moment earlier. A
	// customer not found is looked for again inside, where the transaction
	// sees one that an earlier create of its batch made.
	var early TicketCreateReads
	if s.readEarly {
		early = s.store.TicketCreateReads(ctx, workspaceID, in.InboxID, customerEmail)
	}
	return write(ctx, s, func(tx Tx) (*Ticket, error) {
		pre := early
		if !s.readEarly || early.InboxErr != nil || early.CustomerErr != nil {
			pre = tx.TicketCreateReads(ctx, workspaceID, in.InboxID, customerEmail)
		}
		inbox, err := ticketInbox(in.InboxID, pre)
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
		customer, err := s.foundOrNewCustomer(ctx, tx, workspaceID, customerEmail, customerName, pre)
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
// number (Tx.TicketCreateReads).
type TicketCreateReads struct {
	Inbox       *Inbox
	InboxErr    error
	Customer    *Customer
	CustomerErr error
}

// ticketInbox returns the chosen inbox, or the default when none was chosen.
func ticketInbox(inboxID string, pre TicketCreateReads) (*Inbox, error) {
	in, err := pre.Inbox, pre.InboxErr
	if err != nil {
		if inboxID == "" {
			return nil, fmt.Errorf("default inbox: %w", err)
		}
		return nil, fieldNotFound(err, "inbox_id", "No such inbox")
	}
	return in, nil
}

// foundOrNewCustomer returns the customer the create's look-up found by
// this normalised email or, when there is none, creates it (firing
// customer.created).
func (s *Service) foundOrNewCustomer(ctx context.Context, tx Tx, workspaceID, email string, name *string, pre TicketCreateReads) (*Customer, error) {
	c, err := pre.Customer, pre.CustomerErr
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
