package helpdesk

import (
	"context"
	"fmt"
)

// MaxTicketPage is the largest page the API serves.
const MaxTicketPage = 50

// TicketDetail is a ticket with its customer and conversation.
type TicketDetail struct {
	Ticket   Ticket
	Customer Customer
	Messages []Message
}

// Ticket returns one ticket with its customer (and company) and its messages,
// oldest first. Internal notes are included only when includeInternal is set,
// which the public API never does.
func (s *Service) Ticket(ctx context.Context, workspaceID, id string, includeInternal bool) (*TicketDetail, error) {
	t, c, err := s.ticketAndCustomer(ctx, workspaceID, id)
	if err != nil {
		return nil, err
	}
	msgs, err := s.store.Messages(ctx, workspaceID, t.ID, includeInternal)
	if err != nil {
		return nil, fmt.Errorf("ticket messages: %w", err)
	}
	return &TicketDetail{Ticket: *t, Customer: *c, Messages: msgs}, nil
}

// ticketCustomerReader is a Store that reads a ticket and its customer in
// one statement. The SQLite store can; the customer is nil when it was not
// found beside the ticket.
type ticketCustomerReader interface {
	TicketWithCustomer(ctx context.Context, workspaceID, id string) (*Ticket, *Customer, error)
}

// ticketAndCustomer reads a ticket and its customer (with the company): in
// one statement when the store can, which saves a third of the statements of
// GET /api/v1/tickets/{id}, else in two.
func (s *Service) ticketAndCustomer(ctx context.Context, workspaceID, id string) (*Ticket, *Customer, error) {
	var (
		t   *Ticket
		c   *Customer
		err error
	)
	if r, ok := s.store.(ticketCustomerReader); ok {
		t, c, err = r.TicketWithCustomer(ctx, workspaceID, id)
	} else {
		t, err = s.store.Ticket(ctx, workspaceID, id)
	}
	if err != nil {
		return nil, nil, err
	}
	if c == nil {
		if c, err = s.store.Customer(ctx, workspaceID, t.CustomerID); err != nil {
			return nil, nil, fmt.Errorf("ticket customer: %w", err)
		}
	}
	return t, c, nil
}

// Tickets lists tickets newest first. It asks the store for one row more than
// the limit, so the caller learns whether another page exists without a count.
func (s *Service) Tickets(ctx context.Context, workspaceID string, f TicketFilter) (rows []TicketRow, more bool, err error) {
	if f.Limit <= 0 {
		f.Limit = 20
	}
	want := f.Limit
	f.Limit++
	rows, err = s.store.Tickets(ctx, workspaceID, f)
	if err != nil {
		return nil, false, fmt.Errorf("list tickets: %w", err)
	}
	if len(rows) > want {
		return rows[:want], true, nil
	}
	return rows, false, nil
}

// ticketPager is a Store that can list the tickets alone, without the
// customer, assignee and inbox names of a TicketRow. The SQLite store can;
// a store that cannot is served by Tickets.
type ticketPager interface {
	TicketPage(ctx context.Context, workspaceID string, f TicketFilter) ([]Ticket, error)
}

// TicketPage lists tickets as Tickets does, for a caller that shows only the
// tickets themselves (the public API). Not reading what the app shows beside
// each ticket makes the API's most requested read cheaper.
func (s *Service) TicketPage(ctx context.Context, workspaceID string, f TicketFilter) (tickets []Ticket, more bool, err error) {
	pager, ok := s.store.(ticketPager)
	if !ok {
		rows, more, err := s.Tickets(ctx, workspaceID, f)
		if err != nil {
			return nil, false, err
		}
		tickets = make([]Ticket, len(rows))
		for i := range rows {
			tickets[i] = rows[i].Ticket
		}
		return tickets, more, nil
	}
	if f.Limit <= 0 {
		f.Limit = 20
	}
	want := f.Limit
	f.Limit++ // one more than asked: is there another page?
	tickets, err = pager.TicketPage(ctx, workspaceID, f)
	if err != nil {
		return nil, false, fmt.Errorf("list tickets: %w", err)
	}
	if len(tickets) > want {
		return tickets[:want], true, nil
	}
	return tickets, false, nil
}
