package postgres_test

import (
	"testing"

	"github.com/tixallo/tixallo/internal/store/storetest"
)

// TestTicketPage: TicketPage (the API's list, tickets alone) returns exactly
// the tickets of Tickets (the app's, with names joined), in the same order,
// for every filter, cursor and limit.
func TestTicketPage(t *testing.T) {
	s, dsn := open(t)
	ws := seedOne(t, s)
	ctx := t.Context()
	owner := ownerConn(t, dsn)
	var inbox, customer, user string
	err := owner.QueryRow(ctx, `SELECT inbox_id, customer_id, (SELECT user_id FROM memberships WHERE workspace_id = $1)
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
	storetest.CheckTicketPage(t, s, ws, inbox, user, customer)
}
