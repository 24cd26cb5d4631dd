package helpdesk

import "time"

// Status is where a ticket stands.
type Status string

const (
	StatusNew     Status = "new"
	StatusOpen    Status = "open"
	StatusPending Status = "pending"
	StatusClosed  Status = "closed"
)

// Statuses lists every status in display order.
var Statuses = []Status{StatusNew, StatusOpen, StatusPending, StatusClosed}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusNew, StatusOpen, StatusPending, StatusClosed:
		return true
	}
	return false
}

// Priority is how urgent a ticket is.
type Priority string

const (
	PriorityLow    Priority = "low"
	PriorityMedium Priority = "medium"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Priorities lists every priority from least to most urgent.
var Priorities = []Priority{PriorityLow, PriorityMedium, PriorityHigh, PriorityUrgent}

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool {
	switch p {
	case PriorityLow, PriorityMedium, PriorityHigh, PriorityUrgent:
		return true
	}
	return false
}

// Source is the channel a ticket or message arrived through.
type Source string

const (
	SourceAPI   Source = "api"
	SourceWeb   Source = "web"
	SourceEmail Source = "email"
)

// Ticket is one customer request.
type Ticket struct {
	ID           string
	WorkspaceID  string
	Number       int64 // gapless per workspace, from 1
	Subject      string
	Description  string
	Status       Status
	Priority     Priority
	Source       Source
	InboxID      string
	CustomerID   string
	AssigneeID   *string
	MergedIntoID *string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TicketFilter selects tickets for a list, newest first. Paging is by keyset on
// the ticket number, so page 1 and page 10,000 cost the same and tickets
// created while a client pages never shift the pages it has not read yet.
type TicketFilter struct {
	Statuses   []Status
	Priorities []Priority
	InboxID    string
	AssigneeID string
	Unassigned bool
	CustomerID string
	// Query matches the subject, the customer's email, or (when it is a
	// number, optionally prefixed with '#') the ticket number.
	Query string
	// BeforeNumber, when > 0, returns only tickets numbered below it.
	BeforeNumber  int64
	IncludeMerged bool
	Limit         int
}

// TicketRow is a ticket with what a list shows beside it.
type TicketRow struct {
	Ticket
	CustomerEmail string
	CustomerName  *string
	AssigneeName  *string
	InboxName     string
}

// AuthorType says who wrote a message.
type AuthorType string

const (
	AuthorCustomer AuthorType = "customer"
	AuthorAgent    AuthorType = "agent"
)

// Message is one entry of a ticket's conversation. Internal notes are
// messages with Internal set: the team sees them, customers and the public
// API never do, and they fire no event.
type Message struct {
	ID          string
	WorkspaceID string
	TicketID    string
	AuthorType  AuthorType
	AuthorName  string
	AuthorID    *string // the agent's user id for messages written in the app
	Body        string
	Source      Source
	Internal    bool
	CreatedAt   time.Time
}
