package sqlite

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// ticketPageFilters are the filters both list reads are checked with.
func ticketPageFilters() []helpdesk.TicketFilter {
	st := func(s ...helpdesk.Status) []helpdesk.Status { return s }
	return []helpdesk.TicketFilter{
		{},
		{Statuses: st(helpdesk.StatusOpen)},
		{Statuses: st(helpdesk.StatusNew, helpdesk.StatusOpen, helpdesk.StatusPending)},
		{IncludeMerged: true},
		{Statuses: st(helpdesk.StatusClosed), IncludeMerged: true},
		{Priorities: []helpdesk.Priority{helpdesk.PriorityMedium}},
		{InboxID: "i"},
		{AssigneeID: "u"},
		{Unassigned: true},
		{CustomerID: "c7"},
		{Query: "Ticket 1"},
		{Query: "#42"},
		{Statuses: st(helpdesk.StatusNew, helpdesk.StatusOpen), InboxID: "i", Unassigned: true},
	}
}

// TestTicketPage: TicketPage returns exactly the tickets of Tickets, in the
// same order, for every filter, page and limit.
func TestTicketPage(t *testing.T) {
	s := openTest(t, Options{})
	seedTickets(t, s, 300)
	ctx := t.Context()
	if _, err := s.write.ExecContext(ctx, `UPDATE tickets SET merged_into_id = 't1' WHERE number % 50 = 7`); err != nil {
		t.Fatal(err)
	}
	for i, f := range ticketPageFilters() {
		for _, before := range []int64{0, 250, 3} {
			for _, limit := range []int{0, 1, 21, 500} {
				f.BeforeNumber, f.Limit = before, limit
				name := fmt.Sprintf("filter %d %+v", i, f)
				rows, err := s.Tickets(ctx, "w", f)
				if err != nil {
					t.Fatalf("%s: Tickets: %v", name, err)
				}
				got, err := s.TicketPage(ctx, "w", f)
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
			}
		}
	}
	// Nothing of another workspace.
	got, err := s.TicketPage(ctx, "other", helpdesk.TicketFilter{Limit: 10})
	if err != nil || len(got) != 0 {
		t.Fatalf("another workspace: %d tickets, %v", len(got), err)
	}
}

// TestTicketPageQueryPlan: the bare list never sorts either, with and
// without the statistics of a large workspace.
func TestTicketPageQueryPlan(t *testing.T) {
	for _, withStats := range []bool{false, true} {
		s := openTest(t, Options{})
		if withStats {
			loadStats(t, s, bigWorkspaceStats())
		}
		for _, f := range ticketPageFilters() {
			for _, before := range []int64{0, 50000} {
				f.Limit, f.BeforeNumber = 21, before
				query, args := ticketsQueryFrom(ticketPageSelect, "w", f)
				plan := explain(t, s, query, args...)
				if strings.Contains(plan, "TEMP B-TREE") {
					t.Errorf("%+v (statistics: %v): the plan sorts:\n%s", f, withStats, plan)
				}
				if before > 0 && !strings.Contains(plan, "number<?") {
					t.Errorf("%+v (statistics: %v): the cursor is not an index range:\n%s", f, withStats, plan)
				}
			}
		}
	}
}

// BenchmarkTicketPage reads the API's first page (21 rows) of a workspace
// with 100,000 tickets, as the app's Tickets and as the API's TicketPage.
//
//	go test -run '^$' -bench TicketPage -benchmem ./internal/store/sqlite
func BenchmarkTicketPage(b *testing.B) {
	ctx := b.Context()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"), Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	seedTickets(b, s, 100_000)
	f := helpdesk.TicketFilter{Limit: 21}
	b.Run("Tickets", func(b *testing.B) {
		for b.Loop() {
			if rows, err := s.Tickets(ctx, "w", f); err != nil || len(rows) != 21 {
				b.Fatal(len(rows), err)
			}
		}
	})
	b.Run("TicketPage", func(b *testing.B) {
		for b.Loop() {
			if tickets, err := s.TicketPage(ctx, "w", f); err != nil || len(tickets) != 21 {
				b.Fatal(len(tickets), err)
			}
		}
	})
}
