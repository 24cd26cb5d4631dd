package sqlite

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// BenchmarkTickets lists pages of a workspace with 100,000 tickets at the
// start, the middle and the end: keyset paging makes them cost the same.
//
//	go test -run '^$' -bench Tickets ./internal/store/sqlite
func BenchmarkTickets(b *testing.B) {
	ctx := b.Context()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"), Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const tickets = 100_000
	seedTickets(b, s, tickets)

	st := func(s ...helpdesk.Status) []helpdesk.Status { return s }
	filters := []struct {
		name string
		f    helpdesk.TicketFilter
	}{
		{"all", helpdesk.TicketFilter{}},
		{"open", helpdesk.TicketFilter{Statuses: st(helpdesk.StatusOpen)}},
		{"new,open,pending", helpdesk.TicketFilter{Statuses: st(helpdesk.StatusNew, helpdesk.StatusOpen, helpdesk.StatusPending)}},
		{"assignee", helpdesk.TicketFilter{AssigneeID: "u"}},
	}
	for _, fc := range filters {
		for _, page := range []struct {
			name   string
			before int64
		}{{"page=first", 0}, {"page=middle", tickets / 2}, {"page=last", 200}} {
			b.Run(fmt.Sprintf("%s/%s", fc.name, page.name), func(b *testing.B) {
				f := fc.f
				f.Limit, f.BeforeNumber = 21, page.before
				for b.Loop() {
					rows, err := s.Tickets(ctx, "w", f)
					if err != nil || len(rows) == 0 {
						b.Fatal(len(rows), err)
					}
				}
			})
		}
	}
}

// seedTickets makes workspace "w" with n tickets, in one statement: 70%
// closed, the rest new, open or pending; a third assigned to user "u".
func seedTickets(tb testing.TB, s *Store, n int) {
	tb.Helper()
	for _, q := range []string{
		`INSERT INTO workspaces (id, name, slug, ticket_seq, created_at) VALUES ('w', 'W', 'w', 0, 0)`,
		`INSERT INTO users (id, email, name, created_at, updated_at) VALUES ('u', 'u@example.com', 'U', 0, 0)`,
		`INSERT INTO inboxes (id, workspace_id, name, is_default, created_at) VALUES ('i', 'w', 'Support', 1, 0)`,
		`INSERT INTO customers (id, workspace_id, email, created_at, updated_at)
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
			SELECT 'c' || i, 'w', 'c' || i || '@example.com', 0, 0 FROM n`,
		fmt.Sprintf(`INSERT INTO tickets (id, workspace_id, number, subject, description, status, priority, source,
				inbox_id, customer_id, assignee_id, created_at, updated_at)
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			SELECT 't' || i, 'w', i, 'Ticket ' || i, 'd',
				CASE WHEN i %% 10 < 7 THEN 'closed' ELSE CASE i %% 3 WHEN 0 THEN 'new' WHEN 1 THEN 'open' ELSE 'pending' END END,
				'medium', 'api', 'i', 'c' || (i %% 1000 + 1), CASE WHEN i %% 3 = 0 THEN 'u' END, i, i
			FROM n`, n),
	} {
		if _, err := s.write.ExecContext(tb.Context(), q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
}
