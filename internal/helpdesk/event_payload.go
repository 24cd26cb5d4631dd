package helpdesk

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// TimeFormat is how every timestamp leaves Tixallo: RFC 3339, UTC, seconds.
const TimeFormat = "2006-01-02T15:04:05Z"

// FormatTime renders t in TimeFormat.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// Change is one field's move in a ticket.updated event.
type Change struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// eventHeader is the start of every payload; field order is the contract
// (SPEC §4), which is why payloads are structs and not maps.
type eventHeader struct {
	EventType   string `json:"event_type"`
	EventID     string `json:"event_id"`
	CreatedAt   string `json:"created_at"`
	WorkspaceID string `json:"workspace_id"`
}

type ticketPayload struct {
	eventHeader
	TicketID      string            `json:"ticket_id"`
	TicketNumber  int64             `json:"ticket_number"`
	Subject       string            `json:"subject"`
	Status        Status            `json:"status"`
	Priority      Priority          `json:"priority"`
	Source        Source            `json:"source"`
	InboxID       string            `json:"inbox_id"`
	AssigneeID    *string           `json:"assignee_id"`
	CustomerID    string            `json:"customer_id"`
	CustomerEmail string            `json:"customer_email"`
	Changes       map[string]Change `json:"changes,omitempty"`
}

type messagePayload struct {
	eventHeader
	TicketID     string     `json:"ticket_id"`
	TicketNumber int64      `json:"ticket_number"`
	MessageID    string     `json:"message_id"`
	AuthorType   AuthorType `json:"author_type"`
	AuthorName   string     `json:"author_name"`
	Body         string     `json:"body"`
}

type customerPayload struct {
	eventHeader
	CustomerID string  `json:"customer_id"`
	Email      string  `json:"email"`
	Name       *string `json:"name"`
}

// emit writes one event into tx. The payload is encoded here, once, so the
// outbox holds exactly the bytes every webhook and feed reader will see.
func (s *Service) emit(ctx context.Context, tx Tx, workspaceID, typ string, build func(h eventHeader) any) error {
	now := s.Now()
	h := eventHeader{EventType: typ, EventID: s.newID(), CreatedAt: FormatTime(now), WorkspaceID: workspaceID}
	body, err := json.Marshal(build(h))
	if err != nil {
		return fmt.Errorf("encode %s event: %w", typ, err)
	}
	e := &Event{ID: h.EventID, WorkspaceID: workspaceID, Type: typ, Payload: body, CreatedAt: now}
	if err := tx.CreateEvent(ctx, e); err != nil {
		return fmt.Errorf("write %s event: %w", typ, err)
	}
	return nil
}

func (s *Service) emitTicket(ctx context.Context, tx Tx, typ string, t *Ticket, customerEmail string, changes map[string]Change) error {
	return s.emit(ctx, tx, t.WorkspaceID, typ, func(h eventHeader) any {
		return ticketPayload{
			eventHeader: h, TicketID: t.ID, TicketNumber: t.Number, Subject: t.Subject,
			Status: t.Status, Priority: t.Priority, Source: t.Source, InboxID: t.InboxID,
			AssigneeID: t.AssigneeID, CustomerID: t.CustomerID, CustomerEmail: customerEmail,
			Changes: changes,
		}
	})
}

func (s *Service) emitMessage(ctx context.Context, tx Tx, t *Ticket, m *Message) error {
	return s.emit(ctx, tx, t.WorkspaceID, EventTicketMessageCreated, func(h eventHeader) any {
		return messagePayload{
			eventHeader: h, TicketID: t.ID, TicketNumber: t.Number, MessageID: m.ID,
			AuthorType: m.AuthorType, AuthorName: m.AuthorName, Body: m.Body,
		}
	})
}

func (s *Service) emitCustomer(ctx context.Context, tx Tx, c *Customer) error {
	return s.emit(ctx, tx, c.WorkspaceID, EventCustomerCreated, func(h eventHeader) any {
		return customerPayload{eventHeader: h, CustomerID: c.ID, Email: c.Email, Name: c.Name}
	})
}

// EventTypeValid reports whether t is a known event type.
func EventTypeValid(t string) bool {
	for _, k := range EventTypes {
		if k == t {
			return true
		}
	}
	return false
}
