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
// which the public API never does. The ticket and its customer are read in
// one statement (Reader.TicketWithCustomer), which saves a third of the
// statements of GET /api/v1/tickets/{id}.
func (s *Service) Ticket(ctx context.Context, workspaceID, id string, includeInternal bool) (*TicketDetail, error) {
	t, c, err := s.store.TicketWithCustomer(ctx, workspaceID, id)
	if err != nil {
		return nil, err
	}
	if c == nil {
		// Only a broken foreign key gets here; answer as reading the
		// customer on its own would have.
		return nil, fmt.Errorf("ticket customer: customer %s: %w", t.CustomerID, ErrNotFound)
	}
	msgs, err := s.store.Messages(ctx, workspaceID, t.ID, includeInternal)
	if err != nil {
		return nil, fmt.Errorf("ticket messages: %w", err)
	}
	return &TicketDetail{Ticket: *t, Customer: *c, Messages: msgs}, nil
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

// TicketPage lists tickets as Tickets does, for a caller that shows only the
// tickets themselves (the public API). Not reading what the app shows beside
// each ticket makes the API's most requested read cheaper.
func (s *Service) TicketPage(ctx context.Context, workspaceID string, f TicketFilter) (tickets []Ticket, more bool, err error) {
	if f.Limit <= 0 {
		f.Limit = 20
	}
	want := f.Limit
	f.Limit++ // one more than asked: is there another page?
	tickets, err = s.store.TicketPage(ctx, workspaceID, f)
	if err != nil {
		return nil, false, fmt.Errorf("list tickets: %w", err)
	}
	if len(tickets) > want {
		return tickets[:want], true, nil
	}
	return tickets, false, nil
}
