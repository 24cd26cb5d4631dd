package api

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// jsonPieces are what random strings are made of: plain text, multi-byte
// UTF-8, everything encoding/json escapes (quotes, backslashes, HTML
// characters, control characters, U+2028/U+2029) and invalid UTF-8.
var jsonPieces = []string{"a", "Ω", "日本", "\"", "\\", "<", ">", "&", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f",
	"\u2028", "\u2029", "\xff", "\xe2\x80", "😀", " ", "/", "'", "\u00e9", "<script>", "a&amp;b", "\ufffd", "\xed\xa0\x80",
	"Hello, world. ", "0123456789"}

// randomFiller sets every field of a struct through reflection, so that a
// field added later is covered without touching the test.
type randomFiller struct {
	t   *testing.T
	rng *rand.Rand
}

func (r randomFiller) str() string {
	var b []byte
	for range r.rng.IntN(12) {
		b = append(b, jsonPieces[r.rng.IntN(len(jsonPieces))]...)
	}
	return string(b)
}

// time returns an instant between the years 1 and 12000 in one of a few
// zones; the API renders every time in UTC.
func (r randomFiller) time() time.Time {
	zones := []*time.Location{time.UTC, time.FixedZone("x", -7*3600-1800), time.FixedZone("y", 14*3600)}
	const first, last = -62135596800, 316539561600 // 0001-01-01, 12000-01-01
	return time.Unix(first+r.rng.Int64N(last-first), r.rng.Int64N(1e9)).In(zones[r.rng.IntN(len(zones))])
}

func (r randomFiller) fill(v reflect.Value) {
	timeType := reflect.TypeFor[time.Time]()
	for i := range v.NumField() {
		f := v.Field(i)
		switch {
		case f.Type() == timeType:
			f.Set(reflect.ValueOf(r.time()))
		case f.Kind() == reflect.String:
			f.SetString(r.str())
		case f.Kind() == reflect.Int64:
			f.SetInt(r.rng.Int64N(1<<40) - 1<<39)
		case f.Kind() == reflect.Bool:
			f.SetBool(r.rng.IntN(2) == 0)
		case f.Kind() == reflect.Struct:
			r.fill(f)
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct:
			n := r.rng.IntN(4)
			f.Set(reflect.MakeSlice(f.Type(), n, n))
			for j := range n {
				r.fill(f.Index(j))
			}
		case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Struct:
			if r.rng.IntN(3) > 0 {
				p := reflect.New(f.Type().Elem())
				r.fill(p.Elem())
				f.Set(p)
			}
		case f.Kind() == reflect.Pointer:
			if r.rng.IntN(3) > 0 {
				p := reflect.New(f.Type().Elem())
				p.Elem().SetString(r.str())
				f.Set(p)
			}
		default:
			r.t.Fatalf("%s.%s: kind %s is not covered by this test", v.Type(), v.Type().Field(i).Name, f.Kind())
		}
	}
}

// TestTicketListJSON: the hand-written list encoder gives json.Marshal's
// bytes for the same page as ticketObjects. Every field of every ticket is
// set through reflection, to strings full of what JSON escapes, so a field
// added to ticketObject but not to appendTicketMembers makes them differ.
func TestTicketListJSON(t *testing.T) {
	r := randomFiller{t: t, rng: rand.New(rand.NewPCG(1, 2))}
	for n := range 500 {
		tickets := make([]helpdesk.Ticket, n%5)
		page := ticketPage{Data: []ticketObject{}}
		for i := range tickets {
			r.fill(reflect.ValueOf(&tickets[i]).Elem())
			page.Data = append(page.Data, newTicketObject(&tickets[i]))
		}
		var next string
		if n%2 == 0 {
			next = r.str() + "x" // never empty, as a cursor
			page.NextCursor = &next
		}
		want, err := json.Marshal(page)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendTicketList(nil, tickets, next); !bytes.Equal(got, want) {
			t.Fatalf("page %d:\n got %s\nwant %s", n, got, want)
		}
	}
}

// TestTicketDetailJSON: the hand-written GET /api/v1/tickets/{id} encoder
// gives json.Marshal's bytes of the detail built as objects, internal notes
// left out. Every field of the ticket, the customer, its company and the
// messages is set through reflection.
func TestTicketDetailJSON(t *testing.T) {
	r := randomFiller{t: t, rng: rand.New(rand.NewPCG(5, 6))}
	for n := range 1000 {
		var d helpdesk.TicketDetail
		r.fill(reflect.ValueOf(&d).Elem())
		out := ticketDetailObject{
			ticketObject: newTicketObject(&d.Ticket),
			Customer:     newCustomerObject(&d.Customer),
			Messages:     []messageObject{},
		}
		for i := range d.Messages {
			if !d.Messages[i].Internal {
				out.Messages = append(out.Messages, newMessageObject(&d.Messages[i]))
			}
		}
		want, err := json.Marshal(dataObject[ticketDetailObject]{out})
		if err != nil {
			t.Fatal(err)
		}
		if got := appendTicketDetail(nil, &d); !bytes.Equal(got, want) {
			t.Fatalf("detail %d:\n got %s\nwant %s", n, got, want)
		}
	}
}
