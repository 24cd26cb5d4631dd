package helpdesk_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TestTicketReadPaths: the store's one-statement ticket reads, which the
// Service's Ticket and TicketPage are built on, answer what the plain reads
// answer: TicketWithCustomer what Ticket and then Customer read, TicketPage
// the tickets of Tickets, in the same order. It runs on the real store (SQLite,
// then PostgreSQL when TIXALLO_TEST_POSTGRES is set).
func TestTicketReadPaths(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	cw, err := f.svc.CreateWorkspace(ctx, helpdesk.NewWorkspace{Name: "Reads"}, "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	ws := cw.Workspace.ID
	var ids []string
	for i := range 13 {
		tk, err := f.svc.CreateTicket(ctx, ws, helpdesk.NewTicket{Subject: fmt.Sprintf("Ticket %d", i),
			Description: "<b>Zoë</b> & co", CustomerEmail: fmt.Sprintf("c%d@example.com", i%3), Source: helpdesk.SourceAPI})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
		f.advance(1e9)
	}
	// Vary what a page holds: a closed ticket, a merged one, a customer with
	// a company beside two without.
	closed := helpdesk.StatusClosed
	if _, err := f.svc.UpdateTicket(ctx, ws, ids[4], helpdesk.TicketChanges{Status: &closed}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.MergeTicket(ctx, ws, ids[5], ids[2], helpdesk.Actor{Name: "Test"}); err != nil {
		t.Fatal(err)
	}
	first, err := f.store.Ticket(ctx, ws, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UpdateCustomer(ctx, ws, first.CustomerID, helpdesk.CustomerChanges{NewCompanyName: "Acme"}); err != nil {
		t.Fatal(err)
	}

	t.Run("TicketWithCustomer", func(t *testing.T) {
		withCompany := 0
		for _, id := range ids {
			gotT, gotC, err := f.store.TicketWithCustomer(ctx, ws, id)
			if err != nil {
				t.Fatal(err)
			}
			wantT, err := f.store.Ticket(ctx, ws, id)
			if err != nil {
				t.Fatal(err)
			}
			wantC, err := f.store.Customer(ctx, ws, wantT.CustomerID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotT, wantT) || !reflect.DeepEqual(gotC, wantC) {
				t.Fatalf("ticket %s:\n got %+v %+v\nwant %+v %+v", id, gotT, gotC, wantT, wantC)
			}
			if gotC.Company != nil {
				withCompany++
			}
		}
		if withCompany == 0 || withCompany == len(ids) {
			t.Fatalf("%d of %d tickets have a customer with a company; the test wants both kinds", withCompany, len(ids))
		}
		for _, c := range []struct{ ws, id string }{{"other", ids[0]}, {ws, "nope"}} {
			if _, _, err := f.store.TicketWithCustomer(ctx, c.ws, c.id); !errors.Is(err, helpdesk.ErrNotFound) {
				t.Fatalf("ticket %s of workspace %s: err = %v, want ErrNotFound", c.id, c.ws, err)
			}
		}
		// The Service's Ticket is that read plus the conversation.
		got, err := f.svc.Ticket(ctx, ws, ids[2], true)
		if err != nil {
			t.Fatal(err)
		}
		wantT, wantC, _ := f.store.TicketWithCustomer(ctx, ws, ids[2])
		msgs, err := f.store.Messages(ctx, ws, ids[2], true)
		if err != nil {
			t.Fatal(err)
		}
		if want := (&helpdesk.TicketDetail{Ticket: *wantT, Customer: *wantC, Messages: msgs}); !reflect.DeepEqual(got, want) || len(msgs) == 0 {
			t.Fatalf("Service.Ticket:\n got %+v\nwant %+v", got, want)
		}
	})

	t.Run("TicketPage", func(t *testing.T) {
		filters := []helpdesk.TicketFilter{
			{},
			{Statuses: []helpdesk.Status{helpdesk.StatusNew, helpdesk.StatusClosed}},
			{Statuses: []helpdesk.Status{helpdesk.StatusClosed}, IncludeMerged: true},
			{IncludeMerged: true},
			{CustomerID: first.CustomerID},
		}
		for _, base := range filters {
			for _, limit := range []int{1, 5, 13, 50} {
				for _, before := range []int64{0, 7} {
					filter := base
					filter.Limit, filter.BeforeNumber = limit, before
					got, err := f.store.TicketPage(ctx, ws, filter)
					if err != nil {
						t.Fatal(err)
					}
					rows, err := f.store.Tickets(ctx, ws, filter)
					if err != nil {
						t.Fatal(err)
					}
					want := make([]helpdesk.Ticket, len(rows))
					for i := range rows {
						want[i] = rows[i].Ticket
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%+v:\n got %d tickets %+v\nwant %d %+v", filter, len(got), got, len(want), want)
					}
				}
			}
		}
		if got, err := f.store.TicketPage(ctx, "other", helpdesk.TicketFilter{Limit: 50}); err != nil || len(got) != 0 {
			t.Fatalf("another workspace's page: %d tickets, %v", len(got), err)
		}
		// The Service pages both the same way, the default limit included.
		for _, limit := range []int{0, 1, 12, 13} {
			filter := helpdesk.TicketFilter{Limit: limit}
			got, gotMore, err := f.svc.TicketPage(ctx, ws, filter)
			if err != nil {
				t.Fatal(err)
			}
			rows, wantMore, err := f.svc.Tickets(ctx, ws, filter)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(rows) || gotMore != wantMore {
				t.Fatalf("limit %d: got %d tickets (more %v), want %d (more %v)", limit, len(got), gotMore, len(rows), wantMore)
			}
			for i := range rows {
				if !reflect.DeepEqual(got[i], rows[i].Ticket) {
					t.Fatalf("limit %d, ticket %d:\n got %+v\nwant %+v", limit, i, got[i], rows[i].Ticket)
				}
			}
		}
	})
}
