package api

import (
	"github.com/tixallo/tixallo/internal/helpdesk"
)

// GET /api/v1/tickets/{id} is the API's other frequent read, and its
// messages' bodies are most of its bytes, so it is encoded by hand too
// (ticket_json.go says why). The bytes are json.Marshal's of
// dataObject[ticketDetailObject]: TestTicketDetailJSON compares them on
// details whose every field is set through reflection.

// appendTicketDetail appends {"data":…} for d. Internal notes are left out
// here too, whatever the read returned.
func appendTicketDetail(b []byte, d *helpdesk.TicketDetail) []byte {
	b = append(b, `{"data":{`...)
	b = appendTicketMembers(b, &d.Ticket)
	b = append(b, `,"customer":`...)
	b = appendCustomer(b, &d.Customer)
	b = append(b, `,"messages":[`...)
	first := true
	for i := range d.Messages {
		m := &d.Messages[i]
		if m.Internal {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendMessage(b, m)
	}
	return append(b, "]}}"...)
}

// appendCustomer appends c's customerObject.
func appendCustomer(b []byte, c *helpdesk.Customer) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, c.ID)
	b = append(b, `,"email":`...)
	b = appendJSONString(b, c.Email)
	b = append(b, `,"name":`...)
	b = appendNullableString(b, c.Name)
	b = append(b, `,"company":`...)
	if co := c.Company; co == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"id":`...)
		b = appendJSONString(b, co.ID)
		b = append(b, `,"name":`...)
		b = appendJSONString(b, co.Name)
		b = append(b, `,"domain":`...)
		b = appendNullableString(b, co.Domain)
		b = append(b, '}')
	}
	b = append(b, `,"created_at":`...)
	b = appendTime(b, c.CreatedAt)
	return append(b, '}')
}

// appendMessage appends m's messageObject.
func appendMessage(b []byte, m *helpdesk.Message) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, m.ID)
	b = append(b, `,"ticket_id":`...)
	b = appendJSONString(b, m.TicketID)
	b = append(b, `,"author_type":`...)
	b = appendJSONString(b, string(m.AuthorType))
	b = append(b, `,"author_name":`...)
	b = appendJSONString(b, m.AuthorName)
	b = append(b, `,"body":`...)
	b = appendJSONString(b, m.Body)
	b = append(b, `,"source":`...)
	b = appendJSONString(b, string(m.Source))
	b = append(b, `,"created_at":`...)
	b = appendTime(b, m.CreatedAt)
	return append(b, '}')
}
