package helpdesk

import (
	"context"
	"fmt"
)

// TicketChanges lists the fields an agent changes on a ticket; nil means
// unchanged. ClearAssignee unassigns.
type TicketChanges struct {
	Subject       *string
	Status        *Status
	Priority      *Priority
	InboxID       *string
	AssigneeID    *string
	ClearAssignee bool
}

// UpdateTicket applies changes and fires ticket.updated (and ticket.closed
// when the status became closed). A change that changes nothing fires nothing.
func (s *Service) UpdateTicket(ctx context.Context, workspaceID, id string, ch TicketChanges) (*Ticket, error) {
	errs := FieldErrors{}
	subject := optionalText(errs, "subject", ch.Subject, 1, MaxSubject)
	if ch.Status != nil && !ch.Status.Valid() {
		errs.Add("status", "Must be one of new, open, pending, closed")
	}
	if ch.Priority != nil && !ch.Priority.Valid() {
		errs.Add("priority", "Must be one of low, medium, high, urgent")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return write(ctx, s, func(tx Tx) (*Ticket, error) {
		t, err := tx.Ticket(ctx, workspaceID, id)
		if err != nil {
			return nil, err
		}
		if t.MergedIntoID != nil {
			return nil, &Error{Code: EMerged, Message: "Ticket has been merged"}
		}
		before := *t
		if subject != nil {
			t.Subject = *subject
		}
		if ch.Status != nil {
			t.Status = *ch.Status
		}
		if ch.Priority != nil {
			t.Priority = *ch.Priority
		}
		if ch.InboxID != nil && *ch.InboxID != t.InboxID {
			if _, err := tx.Inbox(ctx, workspaceID, *ch.InboxID); err != nil {
				return nil, fieldNotFound(err, "inbox_id", "No such inbox")
			}
			t.InboxID = *ch.InboxID
		}
		switch {
		case ch.ClearAssignee:
			t.AssigneeID = nil
		case ch.AssigneeID != nil:
			if _, err := tx.Member(ctx, workspaceID, *ch.AssigneeID); err != nil {
				return nil, fieldNotFound(err, "assignee_id", "No such teammate")
			}
			a := *ch.AssigneeID
			t.AssigneeID = &a
		}
		if len(ticketChanges(&before, t)) == 0 {
			return t, nil
		}
		t.UpdatedAt = s.Now()
		if err := tx.UpdateTicket(ctx, t); err != nil {
			return nil, fmt.Errorf("update ticket: %w", err)
		}
		if err := s.emitTicketChanges(ctx, tx, &before, t); err != nil {
			return nil, err
		}
		return t, nil
	})
}

// MergeTicket merges source into target: source is closed and points at
// target, target gets an internal note saying so, and the customer's later
// messages belong on target. Both must be unmerged tickets of the workspace.
func (s *Service) MergeTicket(ctx context.Context, workspaceID, sourceID, targetID string, by Actor) (*Ticket, error) {
	if sourceID == targetID {
		errs := FieldErrors{}
		errs.Add("target", "A ticket cannot be merged into itself")
		return nil, errs.Err()
	}
	return write(ctx, s, func(tx Tx) (*Ticket, error) {
		src, err := tx.Ticket(ctx, workspaceID, sourceID)
		if err != nil {
			return nil, err
		}
		dst, err := tx.Ticket(ctx, workspaceID, targetID)
		if err != nil {
			return nil, fieldNotFound(err, "target", "No such ticket")
		}
		if src.MergedIntoID != nil {
			return nil, &Error{Code: EMerged, Message: "Ticket has been merged"}
		}
		if dst.MergedIntoID != nil {
			errs := FieldErrors{}
			errs.Add("target", fmt.Sprintf("Ticket #%d was itself merged; merge into the ticket it points to", dst.Number))
			return nil, errs.Err()
		}
		before := *src
		now := s.Now()
		src.MergedIntoID = &dst.ID
		src.Status = StatusClosed
		src.UpdatedAt = now
		if err := tx.UpdateTicket(ctx, src); err != nil {
			return nil, fmt.Errorf("merge ticket: %w", err)
		}
		note := &Message{
			ID: s.newID(), WorkspaceID: workspaceID, TicketID: dst.ID,
			AuthorType: AuthorAgent, AuthorName: by.Name,
			Body:   fmt.Sprintf("Ticket #%d (%s) was merged into this ticket.", src.Number, src.Subject),
			Source: SourceWeb, Internal: true, CreatedAt: now,
		}
		if by.UserID != "" {
			note.AuthorID = &by.UserID
		}
		if note.AuthorName == "" {
			note.AuthorName = "Tixallo"
		}
		if err := tx.CreateMessage(ctx, note); err != nil {
			return nil, fmt.Errorf("merge note: %w", err)
		}
		dst.UpdatedAt = now
		if err := tx.UpdateTicket(ctx, dst); err != nil {
			return nil, fmt.Errorf("touch merge target: %w", err)
		}
		if err := s.emitTicketChanges(ctx, tx, &before, src); err != nil {
			return nil, err
		}
		return src, nil
	})
}

// ticketChanges lists what moved between two versions of a ticket, under the
// field names that ticket.updated uses.
func ticketChanges(a, b *Ticket) map[string]Change {
	ch := map[string]Change{}
	if a.Subject != b.Subject {
		ch["subject"] = Change{a.Subject, b.Subject}
	}
	if a.Status != b.Status {
		ch["status"] = Change{a.Status, b.Status}
	}
	if a.Priority != b.Priority {
		ch["priority"] = Change{a.Priority, b.Priority}
	}
	if a.InboxID != b.InboxID {
		ch["inbox_id"] = Change{a.InboxID, b.InboxID}
	}
	if !sameID(a.AssigneeID, b.AssigneeID) {
		ch["assignee_id"] = Change{a.AssigneeID, b.AssigneeID}
	}
	if !sameID(a.MergedIntoID, b.MergedIntoID) {
		ch["merged_into_id"] = Change{a.MergedIntoID, b.MergedIntoID}
	}
	return ch
}

func sameID(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// emitTicketChanges fires ticket.updated when anything moved, and
// ticket.closed when the status became closed.
func (s *Service) emitTicketChanges(ctx context.Context, tx Tx, before, after *Ticket) error {
	changes := ticketChanges(before, after)
	if len(changes) == 0 {
		return nil
	}
	c, err := tx.Customer(ctx, after.WorkspaceID, after.CustomerID)
	if err != nil {
		return fmt.Errorf("event customer: %w", err)
	}
	if err := s.emitTicket(ctx, tx, EventTicketUpdated, after, c.Email, changes); err != nil {
		return err
	}
	if before.Status != StatusClosed && after.Status == StatusClosed {
		return s.emitTicket(ctx, tx, EventTicketClosed, after, c.Email, nil)
	}
	return nil
}
