package sqlite

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/storetest"
)

// TestTicketPage: TicketPage returns exactly the tickets of Tickets, in the
// same order, for every filter, page and limit.
func TestTicketPage(t *testing.T) {
	s := openTest(t, Options{})
	seedTickets(t, s, 300)
	ctx := t.Context()
	if _, err := s.write.ExecContext(ctx, `UPDATE tickets SET merged_into_id = 't1' WHERE number % 50 = 7`); err != nil {
		t.Fatal(err)
	}
	storetest.CheckTicketPage(t, s, "w", "i", "u", "c7")
}

// TestTicketPageQueryPlan: the bare list never sorts either, with and
// without the statistics of a large workspace.
func TestTicketPageQueryPlan(t *testing.T) {
	for _, withStats := range []bool{false, true} {
		s := openTest(t, Options{})
		if withStats {
			loadStats(t, s, bigWorkspaceStats())
		}
		for _, f := range storetest.TicketPageFilters("i", "u", "c7") {
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
