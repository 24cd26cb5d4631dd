package helpdesk

import (
	"context"
	"fmt"
)

// TicketByNumber returns a ticket by its per-workspace number with its
// customer and conversation; the app's URLs use numbers, which people read
// and say aloud, rather than ids.
func (s *Service) TicketByNumber(ctx context.Context, workspaceID string, number int64, includeInternal bool) (*TicketDetail, error) {
	if number < 1 {
		return nil, ErrNotFound
	}
	t, err := s.store.TicketByNumber(ctx, workspaceID, number)
	if err != nil {
		return nil, err
	}
	return s.Ticket(ctx, workspaceID, t.ID, includeInternal)
}

// TicketRef returns a ticket, without its conversation, by id.
func (s *Service) TicketRef(ctx context.Context, workspaceID, id string) (*Ticket, error) {
	return s.store.Ticket(ctx, workspaceID, id)
}

// TicketRefByNumber returns a ticket, without its conversation, by number.
func (s *Service) TicketRefByNumber(ctx context.Context, workspaceID string, number int64) (*Ticket, error) {
	if number < 1 {
		return nil, ErrNotFound
	}
	return s.store.TicketByNumber(ctx, workspaceID, number)
}

// CountTickets counts the workspace's unmerged tickets by status.
func (s *Service) CountTickets(ctx context.Context, workspaceID string) (map[Status]int, error) {
	n, err := s.store.CountTickets(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("count tickets: %w", err)
	}
	return n, nil
}
