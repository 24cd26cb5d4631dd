package storetest

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TicketPageFilters are the filters both list reads are checked with, over
// a workspace with the given inbox, assignee and customer.
func TicketPageFilters(inbox, assignee, customer string) []helpdesk.TicketFilter {
	st := func(s ...helpdesk.Status) []helpdesk.Status { return s }
	return []helpdesk.TicketFilter{
		{},
		{Statuses: st(helpdesk.StatusOpen)},
		{Statuses: st(helpdesk.StatusNew, helpdesk.StatusOpen, helpdesk.StatusPending)},
		{IncludeMerged: true},
		{Statuses: st(helpdesk.StatusClosed), IncludeMerged: true},
		{Priorities: []helpdesk.Priority{helpdesk.PriorityMedium}},
		{InboxID: inbox},
		{AssigneeID: assignee},
		{Unassigned: true},
		{CustomerID: customer},
		{Query: "Ticket 1"},
		{Query: "#42"},
		{Statuses: st(helpdesk.StatusNew, helpdesk.StatusOpen), InboxID: inbox, Unassigned: true},
	}
}

// CheckTicketPage checks that TicketPage (the API's list, tickets alone)
// returns exactly the tickets of Tickets (the app's, with names joined), in
// the same order, for every filter of TicketPageFilters, cursor and limit,
// and nothing of another workspace. The stores seed ws their own way (many
// tickets, some merged, some unassigned) and call it.
func CheckTicketPage(t *testing.T, s helpdesk.Reader, ws, inbox, assignee, customer string) {
	t.Helper()
	ctx := t.Context()
	for i, f := range TicketPageFilters(inbox, assignee, customer) {
		for _, before := range []int64{0, 250, 3} {
			for _, limit := range []int{0, 1, 21, 500} {
				f.BeforeNumber, f.Limit = before, limit
				name := fmt.Sprintf("filter %d %+v", i, f)
				rows, err := s.Tickets(ctx, ws, f)
				if err != nil {
					t.Fatalf("%s: Tickets: %v", name, err)
				}
				got, err := s.TicketPage(ctx, ws, f)
				if err != nil {
					t.Fatalf("%s: TicketPage: %v", name, err)
				}
				want := make([]helpdesk.Ticket, len(rows))
				for i := range rows {
					want[i] = rows[i].Ticket
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: TicketPage differs from Tickets:\n got %+v\nwant %+v", name, got, want)
				}
				if limit == 0 && before == 0 && len(f.Statuses) == 0 && f.Query == "" && len(got) == 0 {
					t.Fatalf("%s: no tickets at all", name)
				}
			}
		}
	}
	got, err := s.TicketPage(ctx, "other", helpdesk.TicketFilter{Limit: 10})
	if err != nil || len(got) != 0 {
		t.Fatalf("another workspace: %d tickets, %v", len(got), err)
	}
}
