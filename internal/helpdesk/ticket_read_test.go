package helpdesk_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// plainStore hides the store's optional read paths (TicketPage,
// TicketWithCustomer): only helpdesk.Store's methods are promoted.
type plainStore struct{ helpdesk.Store }

// TestTicketReadPaths: the Service's ticket reads give the same answers
// through the store's one-statement paths as through the plain Store
// methods that a store without them is served by.
func TestTicketReadPaths(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	plain := helpdesk.NewService(plainStore{f.store}, helpdesk.Options{Now: f.clock})
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
	if _, err := f.svc.AddMessage(ctx, ws, ids[0], helpdesk.NewMessage{Body: "Hello", Source: helpdesk.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	first, err := f.svc.Ticket(ctx, ws, ids[0], false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UpdateCustomer(ctx, ws, first.Customer.ID, helpdesk.CustomerChanges{NewCompanyName: "Acme"}); err != nil {
		t.Fatal(err)
	}

	for _, id := range ids {
		got, err := f.svc.Ticket(ctx, ws, id, true)
		if err != nil {
			t.Fatal(err)
		}
		want, err := plain.Ticket(ctx, ws, id, true)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("ticket %s:\n got %+v\nwant %+v", id, got, want)
		}
	}
	if got, err := f.svc.Ticket(ctx, ws, ids[0], false); err != nil || got.Customer.Company == nil {
		t.Fatalf("the customer's company is missing: %+v, %v", got, err)
	}

	for _, limit := range []int{0, 1, 5, 13, 50} {
		for _, before := range []int64{0, 7} {
			filter := helpdesk.TicketFilter{Limit: limit, BeforeNumber: before}
			got, gotMore, err := f.svc.TicketPage(ctx, ws, filter)
			if err != nil {
				t.Fatal(err)
			}
			want, wantMore, err := plain.TicketPage(ctx, ws, filter)
			if err != nil {
				t.Fatal(err)
			}
			if gotMore != wantMore || !reflect.DeepEqual(got, want) {
				t.Fatalf("%+v: got %d tickets (more %v), want %d (more %v)", filter, len(got), gotMore, len(want), wantMore)
			}
		}
	}
}
