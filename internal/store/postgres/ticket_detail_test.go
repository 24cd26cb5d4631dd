package postgres_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TestTicketWithCustomer: one statement reads what Ticket and Customer read
// one after the other, company included; another workspace's ticket and an
// unknown id are not found.
func TestTicketWithCustomer(t *testing.T) {
	s, _ := open(t)
	ctx := t.Context()
	ws := seedOne(t, s)
	other := seedOne(t, s)
	rows, err := s.Tickets(ctx, ws, helpdesk.TicketFilter{IncludeMerged: true})
	if err != nil || len(rows) == 0 {
		t.Fatalf("tickets: %d, %v", len(rows), err)
	}
	id := rows[0].ID
	wantT, err := s.Ticket(ctx, ws, id)
	if err != nil {
		t.Fatal(err)
	}
	wantC, err := s.Customer(ctx, ws, wantT.CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	if wantC.Company == nil {
		t.Fatal("the seeded customer has no company; the test would not cover it")
	}
	gotT, gotC, err := s.TicketWithCustomer(ctx, ws, id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotT, wantT) || !reflect.DeepEqual(gotC, wantC) {
		t.Fatalf("TicketWithCustomer:\n got %+v %+v\nwant %+v %+v", gotT, gotC, wantT, wantC)
	}
	if _, _, err := s.TicketWithCustomer(ctx, other, id); !errors.Is(err, helpdesk.ErrNotFound) {
		t.Fatalf("another workspace's ticket: %v", err)
	}
	if _, _, err := s.TicketWithCustomer(ctx, ws, "nope"); !errors.Is(err, helpdesk.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
}
