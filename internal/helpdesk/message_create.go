package helpdesk

import (
	"context"
	"fmt"
)

// DefaultAuthorName names agent messages that arrive through the API without
// an author_name.
const DefaultAuthorName = "API"

// NewMessage is the input for appending to a ticket's conversation.
type NewMessage struct {
	Body       string
	AuthorType AuthorType // "" → customer
	AuthorName *string
	AuthorID   string // the agent's user id, for messages written in the app
	Source     Source
	Internal   bool // an internal note: visible to the team only, fires no event
}

// AddMessage appends a message to a ticket. A customer message reopens a
// pending or closed ticket; an agent reply opens a new one. Public messages
// fire ticket.message.created, and ticket.updated when the status moved.
func (s *Service) AddMessage(ctx context.Context, workspaceID, ticketID string, in NewMessage) (*Message, error) {
	errs := FieldErrors{}
	body := text(errs, "body", in.Body, 1, MaxBody)
	if in.AuthorType == "" {
		in.AuthorType = AuthorCustomer
	}
	if in.AuthorType != AuthorCustomer && in.AuthorType != AuthorAgent {
		errs.Add("author_type", "Must be customer or agent")
	}
	if in.Internal && in.AuthorType != AuthorAgent {
		errs.Add("author_type", "Internal notes are written by agents")
	}
	name := optionalText(errs, "author_name", in.AuthorName, 1, MaxPersonName)
	if in.Source == "" {
		in.Source = SourceAPI
	}
	if invalid := errs.Err(); invalid != nil {
		// A message to a ticket that does not exist is a 404 whatever its
		// body says. Valid input skips this read: the transaction reads
		// the ticket anyway, and reports a missing one the same way.
		if _, err := s.store.Ticket(ctx, workspaceID, ticketID); err != nil {
			return nil, err
		}
		return nil, invalid
	}

	return write(ctx, s, func(tx Tx) (*Message, error) {
		t, authorName, err := s.messageTicket(ctx, tx, workspaceID, ticketID, in.AuthorType, name)
		if err != nil {
			return nil, err
		}
		if t.MergedIntoID != nil {
			return nil, &Error{Code: EMerged, Message: "Ticket has been merged"}
		}
		now := s.Now()
		m := &Message{
			ID: s.newID(), WorkspaceID: workspaceID, TicketID: t.ID,
			AuthorType: in.AuthorType, AuthorName: authorName, Body: body,
			Source: in.Source, Internal: in.Internal, CreatedAt: now,
		}
		if in.AuthorID != "" {
			m.AuthorID = &in.AuthorID
		}
		if err := tx.CreateMessage(ctx, m); err != nil {
			return nil, fmt.Errorf("create message: %w", err)
		}
		if in.Internal {
			// A note changes nothing the customer or an integration can see.
			return m, nil
		}

		before := *t
		switch {
		case m.AuthorType == AuthorCustomer && (t.Status == StatusPending || t.Status == StatusClosed):
			t.Status = StatusOpen
		case m.AuthorType == AuthorAgent && t.Status == StatusNew:
			t.Status = StatusOpen
		}
		t.UpdatedAt = now
		if err := tx.UpdateTicket(ctx, t); err != nil {
			return nil, fmt.Errorf("touch ticket: %w", err)
		}
		if err := s.emitMessage(ctx, tx, t, m); err != nil {
			return nil, err
		}
		if err := s.emitTicketChanges(ctx, tx, &before, t); err != nil {
			return nil, err
		}
		return m, nil
	})
}

// messageTicket reads the ticket a message goes to and picks the name shown
// on the message: the given one, else "API" for agent messages, else the
// customer's name or email, read in the same statement as the ticket.
func (s *Service) messageTicket(ctx context.Context, tx Tx, workspaceID, ticketID string, typ AuthorType, given *string) (*Ticket, string, error) {
	if given != nil || typ == AuthorAgent {
		t, err := tx.Ticket(ctx, workspaceID, ticketID)
		if err != nil {
			return nil, "", err
		}
		if given != nil {
			return t, *given, nil
		}
		return t, DefaultAuthorName, nil
	}
	t, c, err := tx.TicketWithCustomer(ctx, workspaceID, ticketID)
	if err != nil {
		return nil, "", err
	}
	if c == nil {
		return nil, "", fmt.Errorf("message customer: customer %s of ticket %s: %w", t.CustomerID, t.ID, ErrNotFound)
	}
	if c.Name != nil && *c.Name != "" {
		return t, *c.Name, nil
	}
	return t, c.Email, nil
}
