package api

import (
	"github.com/tixallo/tixallo/internal/helpdesk"
)

// The JSON objects of API v1. They are structs, not maps, because the member
// order is part of the contract (SPEC §3.4) and json.Marshal keeps a
// struct's field order. The list and the ticket detail are written by hand
// (ticket_json.go, ticket_detail_json.go); their tests hold that code to
// json.Marshal of these structs, which stay the reference.

// ticketObject is the ticket of the list and create responses.
type ticketObject struct {
	ID           string  `json:"id"`
	TicketNumber int64   `json:"ticket_number"`
	Subject      string  `json:"subject"`
	Description  string  `json:"description"`
	Status       string  `json:"status"`
	Priority     string  `json:"priority"`
	Source       string  `json:"source"`
	CreatedAt    string  `json:"created_at"`
	UpdatedAt    string  `json:"updated_at"`
	CustomerID   string  `json:"customer_id"`
	InboxID      string  `json:"inbox_id"`
	AssigneeID   *string `json:"assignee_id"`
	MergedIntoID *string `json:"merged_into_id"`
}

func newTicketObject(t *helpdesk.Ticket) ticketObject {
	return ticketObject{
		ID:           t.ID,
		TicketNumber: t.Number,
		Subject:      t.Subject,
		Description:  t.Description,
		Status:       string(t.Status),
		Priority:     string(t.Priority),
		Source:       string(t.Source),
		CreatedAt:    helpdesk.FormatTime(t.CreatedAt),
		UpdatedAt:    helpdesk.FormatTime(t.UpdatedAt),
		CustomerID:   t.CustomerID,
		InboxID:      t.InboxID,
		AssigneeID:   t.AssigneeID,
		MergedIntoID: t.MergedIntoID,
	}
}

// ticketDetailObject is GET /api/v1/tickets/{id}: the ticket's members, then
// its customer and its public conversation.
type ticketDetailObject struct {
	ticketObject
	Customer customerObject  `json:"customer"`
	Messages []messageObject `json:"messages"`
}

type customerObject struct {
	ID        string         `json:"id"`
	Email     string         `json:"email"`
	Name      *string        `json:"name"`
	Company   *companyObject `json:"company"`
	CreatedAt string         `json:"created_at"`
}

type companyObject struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Domain *string `json:"domain"`
}

func newCustomerObject(c *helpdesk.Customer) customerObject {
	o := customerObject{ID: c.ID, Email: c.Email, Name: c.Name, CreatedAt: helpdesk.FormatTime(c.CreatedAt)}
	if c.Company != nil {
		o.Company = &companyObject{ID: c.Company.ID, Name: c.Company.Name, Domain: c.Company.Domain}
	}
	return o
}

type messageObject struct {
	ID         string `json:"id"`
	TicketID   string `json:"ticket_id"`
	AuthorType string `json:"author_type"`
	AuthorName string `json:"author_name"`
	Body       string `json:"body"`
	Source     string `json:"source"`
	CreatedAt  string `json:"created_at"`
}

func newMessageObject(m *helpdesk.Message) messageObject {
	return messageObject{
		ID:         m.ID,
		TicketID:   m.TicketID,
		AuthorType: string(m.AuthorType),
		AuthorName: m.AuthorName,
		Body:       m.Body,
		Source:     string(m.Source),
		CreatedAt:  helpdesk.FormatTime(m.CreatedAt),
	}
}

// dataObject wraps a single object: {"data": …}.
type dataObject[T any] struct {
	Data T `json:"data"`
}

// validID reports whether s is a UUID in the canonical lower-case form that
// Tixallo hands out. Anything else cannot name a row, so it is a 404 without
// a query.
func validID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}
