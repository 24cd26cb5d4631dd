package postgres_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TestTicketPage: TicketPage (the API's list, tickets alone) returns exactly
// the tickets of Tickets (the app's, with names joined), in the same order,
// for every filter, cursor and limit.
func TestTicketPage(t *testing.T) {
	s, dsn := open(t)
	ws := seedOne(t, s)
	ctx := t.Context()
	owner, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	var inbox, customer, user string
	err = owner.QueryRow(ctx, `SELECT inbox_id, customer_id, (SELECT user_id FROM memberships WHERE workspace_id = $1)
		FROM tickets WHERE workspace_id = $1`, ws).Scan(&inbox, &customer, &user)
	if err != nil {
		t.Fatal(err)
	}
	_, err = owner.Exec(ctx, `INSERT INTO tickets (id, workspace_id, number, subject, description, status, priority,
			source, inbox_id, customer_id, assignee_id, created_at, updated_at)
		SELECT 'tp-' || n, $1, n, 'Ticket ' || n, 'd', (ARRAY['new','open','pending','closed'])[1 + n % 4],
			(ARRAY['low','medium','high','urgent'])[1 + n % 3], 'api', $2, $3,
			CASE WHEN n % 3 = 0 THEN NULL ELSE $4 END, now(), now()
		FROM generate_series(2, 300) n`, ws, inbox, customer, user)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `UPDATE tickets SET merged_into_id = 'tp-2' WHERE workspace_id = $1 AND number % 50 = 7`, ws); err != nil {
		t.Fatal(err)
	}
	st := func(s ...helpdesk.Status) []helpdesk.Status { return s }
	filters := []helpdesk.TicketFilter{
		{},
		{Statuses: st(helpdesk.StatusOpen)},
		{Statuses: st(helpdesk.StatusNew, helpdesk.StatusOpen, helpdesk.StatusPending)},
		{IncludeMerged: true},
		{Statuses: st(helpdesk.StatusClosed), IncludeMerged: true},
		{Priorities: []helpdesk.Priority{helpdesk.PriorityMedium}},
		{InboxID: inbox},
		{AssigneeID: user},
		{Unassigned: true},
		{CustomerID: customer},
		{Query: "Ticket 1"},
		{Query: "#42"},
		{Statuses: st(helpdesk.StatusNew, helpdesk.StatusOpen), InboxID: inbox, Unassigned: true},
	}
	for i, f := range filters {
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
