package helpdesk

import (
	"encoding/json"
	"time"
)

// Event types, as webhooks and the events feed name them.
const (
	EventTicketCreated        = "ticket.created"
	EventTicketUpdated        = "ticket.updated"
	EventTicketClosed         = "ticket.closed"
	EventTicketMessageCreated = "ticket.message.created"
	EventCustomerCreated      = "customer.created"
)

// EventTypes lists every event type a webhook endpoint can subscribe to.
var EventTypes = []string{
	EventTicketCreated, EventTicketUpdated, EventTicketClosed,
	EventTicketMessageCreated, EventCustomerCreated,
}

// Event is one row of the outbox. Payload is the complete flat JSON object
// that webhooks send and the events feed returns, built once when the change
// commits so every reader sees the same bytes.
type Event struct {
	Seq         int64 // commit order within the store; the feed's cursor
	ID          string
	WorkspaceID string
	Type        string
	Payload     json.RawMessage
	CreatedAt   time.Time
}
