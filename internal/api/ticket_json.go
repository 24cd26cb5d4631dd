package api

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// The ticket list is the API's most requested and largest answer (about 25 KB
// for 20 tickets), and encoding/json's reflection cost 15 % of the server's
// CPU per list request (docs/benchmarks.md). So tickets are encoded here by
// hand, straight from helpdesk.Ticket (no ticketObject and no time strings in
// between), into a pooled buffer. The bytes are exactly json.Marshal's of the
// ticketObject, HTML escaping included: TestTicketListJSON compares the two on
// tickets whose every field is set through reflection, so a field added to
// ticketObject (through newTicketObject) but not here fails the test.

// bufPool holds encoding buffers; they grow to the size of a page and stay.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// maxPooledBuf is the largest buffer put back into bufPool: a page of 50
// long tickets should not keep megabytes alive in every pooled buffer.
const maxPooledBuf = 256 << 10

// writeEncoded writes what appendBody appends as the whole 200 response,
// encoded into a pooled buffer.
func writeEncoded(w http.ResponseWriter, appendBody func([]byte) []byte) {
	bp := bufPool.Get().(*[]byte)
	b := appendBody((*bp)[:0])
	writeRaw(w, http.StatusOK, b)
	if cap(b) <= maxPooledBuf {
		*bp = b
		bufPool.Put(bp)
	}
}

// appendTicketList appends {"data":[tickets…],"next_cursor":…}; next is the
// cursor of the next page, or "" (a cursor is never empty) for null.
func appendTicketList(b []byte, tickets []helpdesk.Ticket, next string) []byte {
	b = append(b, `{"data":[`...)
	for i := range tickets {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		b = appendTicketMembers(b, &tickets[i])
		b = append(b, '}')
	}
	b = append(b, `],"next_cursor":`...)
	if next == "" {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, next)
	}
	return append(b, '}')
}

// appendTicketMembers appends the members of t's ticketObject, without the
// braces: the detail object continues after them.
func appendTicketMembers(b []byte, t *helpdesk.Ticket) []byte {
	b = append(b, `"id":`...)
	b = appendJSONString(b, t.ID)
	b = append(b, `,"ticket_number":`...)
	b = strconv.AppendInt(b, t.Number, 10)
	b = append(b, `,"subject":`...)
	b = appendJSONString(b, t.Subject)
	b = append(b, `,"description":`...)
	b = appendJSONString(b, t.Description)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(t.Status))
	b = append(b, `,"priority":`...)
	b = appendJSONString(b, string(t.Priority))
	b = append(b, `,"source":`...)
	b = appendJSONString(b, string(t.Source))
	b = append(b, `,"created_at":`...)
	b = appendTime(b, t.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, t.UpdatedAt)
	b = append(b, `,"customer_id":`...)
	b = appendJSONString(b, t.CustomerID)
	b = append(b, `,"inbox_id":`...)
	b = appendJSONString(b, t.InboxID)
	b = append(b, `,"assignee_id":`...)
	b = appendNullableString(b, t.AssigneeID)
	b = append(b, `,"merged_into_id":`...)
	return appendNullableString(b, t.MergedIntoID)
}

// appendTime appends t as helpdesk.FormatTime's string, "2006-01-02T15:04:05Z",
// in quotes; its bytes need no escaping. Two per ticket, so the four-digit
// years every stored time has are written digit by digit; time's layout
// interpreter handles the rest.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		b = append(b, '"')
		b = t.AppendFormat(b, helpdesk.TimeFormat)
		return append(b, '"')
	}
	hour, minute, second := t.Clock()
	return append(b, '"',
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+month/10), byte('0'+month%10), '-', byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+second/10), byte('0'+second%10), 'Z', '"')
}

func appendNullableString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}
