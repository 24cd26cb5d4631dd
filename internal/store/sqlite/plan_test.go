package sqlite

import (
	"strings"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// bigWorkspaceStats are the sqlite_stat1 rows ANALYZE wrote for two
// workspaces of 100,000 tickets, 1,000 customers and two inboxes each. With
// them the planner once preferred to loop over customers and sort the
// tickets; the test keeps that from coming back.
func bigWorkspaceStats() [][3]string {
	return [][3]string{
		{"customers", "customers_company", "2000 1000 1000"},
		{"customers", "sqlite_autoindex_customers_1", "2000 1"},
		{"customers", "sqlite_autoindex_customers_2", "2000 1000 1"},
		{"inboxes", "inboxes_one_default", "2 1"},
		{"inboxes", "inboxes_workspace", "2 1 1"},
		{"inboxes", "sqlite_autoindex_inboxes_1", "2 1"},
		{"tickets", "sqlite_autoindex_tickets_1", "200000 1"},
		{"tickets", "sqlite_autoindex_tickets_2", "200000 100000 1"},
		{"tickets", "tickets_assignee", "200000 100000 50000 1"},
		{"tickets", "tickets_customer", "200000 100000 100 1"},
		{"tickets", "tickets_inbox", "200000 100000 100000 1"},
		{"tickets", "tickets_status", "200000 100000 25000 1"},
		{"users", "sqlite_autoindex_users_1", "1 1"},
		{"users", "sqlite_autoindex_users_2", "1 1"},
	}
}

// TestTicketsQueryPlan checks with EXPLAIN QUERY PLAN that no ticket list
// sorts: every page is an index walk from the cursor, so page 10,000 costs
// what page 1 costs. It checks without statistics (a new database) and with
// those of a large workspace (after PRAGMA optimize has run ANALYZE).
func TestTicketsQueryPlan(t *testing.T) {
	st := func(s ...helpdesk.Status) []helpdesk.Status { return s }
	filters := []struct {
		name      string
		filter    helpdesk.TicketFilter
		wantIndex string // the tickets index the plan must walk, when it matters
	}{
		{"newest first", helpdesk.TicketFilter{}, "sqlite_autoindex_tickets_2"},
		{"one status", helpdesk.TicketFilter{Statuses: st(helpdesk.StatusOpen)}, "tickets_status"},
		{"several statuses", helpdesk.TicketFilter{Statuses: st(helpdesk.StatusNew, helpdesk.StatusOpen, helpdesk.StatusPending)}, "tickets_status"},
		{"merged included", helpdesk.TicketFilter{IncludeMerged: true}, "sqlite_autoindex_tickets_2"},
		{"one status, merged included", helpdesk.TicketFilter{Statuses: st(helpdesk.StatusClosed), IncludeMerged: true}, ""},
		{"priority", helpdesk.TicketFilter{Priorities: []helpdesk.Priority{helpdesk.PriorityUrgent}}, ""},
		{"inbox", helpdesk.TicketFilter{InboxID: "i"}, ""},
		{"assignee", helpdesk.TicketFilter{AssigneeID: "u"}, ""},
		{"unassigned", helpdesk.TicketFilter{Unassigned: true}, ""},
		{"customer", helpdesk.TicketFilter{CustomerID: "c"}, ""},
		{"search", helpdesk.TicketFilter{Query: "printer"}, ""},
		{"search a number", helpdesk.TicketFilter{Query: "#42"}, ""},
		{"status and assignee", helpdesk.TicketFilter{Statuses: st(helpdesk.StatusOpen), AssigneeID: "u"}, ""},
		{"statuses, inbox, unassigned", helpdesk.TicketFilter{Statuses: st(helpdesk.StatusNew, helpdesk.StatusOpen), InboxID: "i", Unassigned: true}, ""},
	}
	for _, withStats := range []bool{false, true} {
		s := openTest(t, Options{})
		if withStats {
			loadStats(t, s, bigWorkspaceStats())
		}
		for _, tc := range filters {
			for _, before := range []int64{0, 50000} {
				f := tc.filter
				f.Limit, f.BeforeNumber = 21, before
				query, args := ticketsQuery("w", f)
				plan := explain(t, s, query, args...)
				where := tc.name
				if withStats {
					where += ", with statistics"
				}
				if before > 0 {
					where += ", after a cursor"
				}
				if strings.Contains(plan, "TEMP B-TREE") {
					t.Errorf("%s: the plan sorts:\n%s", where, plan)
				}
				if tc.wantIndex != "" && !strings.Contains(plan, "SEARCH t USING INDEX "+tc.wantIndex+" ") {
					t.Errorf("%s: the plan does not walk %s:\n%s", where, tc.wantIndex, plan)
				}
				if before > 0 && !strings.Contains(plan, "number<?") {
					t.Errorf("%s: the cursor is not an index range:\n%s", where, plan)
				}
			}
		}
		// CountTickets reads the partial status index alone.
		plan := explain(t, s, `SELECT status, COUNT(*) FROM tickets
			WHERE workspace_id = ? AND merged_into_id IS NULL GROUP BY status`, "w")
		if !strings.Contains(plan, "COVERING INDEX tickets_status") {
			t.Errorf("CountTickets reads table rows:\n%s", plan)
		}
	}
}

// loadStats replaces the planner statistics with rows, as ANALYZE would
// have written them, and makes the writer connection load them.
func loadStats(t *testing.T, s *Store, rows [][3]string) {
	t.Helper()
	ctx := t.Context()
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := s.write.ExecContext(ctx, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	exec(`ANALYZE`) // creates sqlite_stat1
	exec(`DELETE FROM sqlite_stat1`)
	for _, r := range rows {
		exec(`INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)`, r[0], r[1], r[2])
	}
	exec(`ANALYZE sqlite_schema`) // reloads the statistics
}

// explain returns the query plan, one step per line. It runs on the writer,
// the connection whose statistics loadStats set.
func explain(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.write.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(steps, "\n")
}
