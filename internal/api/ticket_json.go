package api

import (
	"net/http"
	"strconv"
	"sync"
	"unicode/utf8"
)

// The ticket list is the API's most requested and largest answer (about 25 KB
// for 20 tickets), and encoding/json's reflection cost 15 % of the server's
// CPU per list request (docs/benchmarks.md). So the list is encoded here by
// hand, into a pooled buffer. The bytes are exactly json.Marshal's, HTML
// escaping included: TestTicketPageJSON compares the two on objects whose
// every field is set through reflection, so a field added to ticketObject but
// not here fails the test.

// bufPool holds encoding buffers; they grow to the size of a page and stay.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// writeTicketPage writes page as the whole 200 response.
func writeTicketPage(w http.ResponseWriter, page *ticketPage) {
	bp := bufPool.Get().(*[]byte)
	b := appendTicketPage((*bp)[:0], page)
	writeRaw(w, http.StatusOK, b)
	*bp = b
	bufPool.Put(bp)
}

func appendTicketPage(b []byte, page *ticketPage) []byte {
	b = append(b, `{"data":[`...)
	for i := range page.Data {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendTicketObject(b, &page.Data[i])
	}
	b = append(b, `],"next_cursor":`...)
	b = appendNullableString(b, page.NextCursor)
	return append(b, '}')
}

func appendTicketObject(b []byte, t *ticketObject) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, t.ID)
	b = append(b, `,"ticket_number":`...)
	b = strconv.AppendInt(b, t.TicketNumber, 10)
	b = append(b, `,"subject":`...)
	b = appendJSONString(b, t.Subject)
	b = append(b, `,"description":`...)
	b = appendJSONString(b, t.Description)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, t.Status)
	b = append(b, `,"priority":`...)
	b = appendJSONString(b, t.Priority)
	b = append(b, `,"source":`...)
	b = appendJSONString(b, t.Source)
	b = append(b, `,"created_at":`...)
	b = appendJSONString(b, t.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendJSONString(b, t.UpdatedAt)
	b = append(b, `,"customer_id":`...)
	b = appendJSONString(b, t.CustomerID)
	b = append(b, `,"inbox_id":`...)
	b = appendJSONString(b, t.InboxID)
	b = append(b, `,"assignee_id":`...)
	b = appendNullableString(b, t.AssigneeID)
	b = append(b, `,"merged_into_id":`...)
	b = appendNullableString(b, t.MergedIntoID)
	return append(b, '}')
}

func appendNullableString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

const hexDigits = "0123456789abcdef"

// jsonSafe marks the ASCII bytes that appendJSONString copies as they are (a
// table lookup, as in encoding/json, is cheaper than the comparisons on 25 KB
// of text per page).
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString appends s as a JSON string exactly as encoding/json does
// (its appendString with HTML escaping): ", \ and control characters
// escaped, <, > and & as \u003c, \u003e and \u0026, invalid UTF-8 as
// \ufffd, and U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
