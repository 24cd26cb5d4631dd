package rowmap

import (
	"strings"
	"testing"
	"time"
)

// anyScanners hands the destinations over as they are.
type anyScanners struct{}

func (anyScanners) Time(p *time.Time) any      { return p }
func (anyScanners) NullTime(p **time.Time) any { return p }
func (anyScanners) NullString(p **string) any  { return p }

// columns counts the columns a select list names. None of them calls a
// function, so every comma separates two.
func columns(t *testing.T, sql string) int {
	t.Helper()
	list, ok := strings.CutPrefix(sql, "SELECT ")
	if !ok {
		list = sql
	}
	list, _, _ = strings.Cut(list, "FROM")
	return strings.Count(list, ",") + 1
}

// TestDestMatchesColumns: each row type has a destination for every column
// its select reads, and its capacity guess holds them all.
func TestDestMatchesColumns(t *testing.T) {
	for _, tc := range []struct {
		name, sql string
		dest      []any
		capacity  int
	}{
		{"Ticket", TicketColumns, new(Ticket).Dest(anyScanners{}), ticketColumnCount},
		{"Customer", CustomerSelect, new(Customer).Dest(anyScanners{}), customerSelectCount},
		{"TicketCustomer", TicketCustomerSelect, new(TicketCustomer).Dest(anyScanners{}), ticketCustomerCount},
	} {
		if n := columns(t, tc.sql); len(tc.dest) != n || tc.capacity != n || cap(tc.dest) != n {
			t.Errorf("%s: %d columns, %d destinations (capacity %d, guessed %d)", tc.name, n, len(tc.dest), cap(tc.dest), tc.capacity)
		}
	}
}

// TestTicketCustomerWithoutCustomer: a row whose joins found nothing is the
// ticket alone, which the caller then reads the customer of on its own.
func TestTicketCustomerWithoutCustomer(t *testing.T) {
	var r TicketCustomer
	r.Dest(anyScanners{})
	r.ticket.status = "open"
	tk, c := r.Values("w")
	if c != nil || tk.WorkspaceID != "w" || tk.Status != "open" {
		t.Fatalf("got %+v, %+v", tk, c)
	}
}
