package sqlite

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TestTicketWithCustomer: one statement reads what Ticket and Customer read
// one after the other, with and without a company, and nothing of another
// workspace.
func TestTicketWithCustomer(t *testing.T) {
	s := openTest(t, Options{})
	seedTickets(t, s, 20)
	ctx := t.Context()
	for _, q := range []string{
		`INSERT INTO companies (id, workspace_id, name, domain, created_at) VALUES ('co1', 'w', 'Acme', 'acme.example', 5)`,
		`INSERT INTO companies (id, workspace_id, name, created_at) VALUES ('co2', 'w', 'Nodomain', 6)`,
		`UPDATE customers SET company_id = 'co1', name = 'Zoë' WHERE id IN ('c2', 'c3')`,
		`UPDATE customers SET company_id = 'co2' WHERE id = 'c4'`,
		`INSERT INTO workspaces (id, name, slug, ticket_seq, created_at) VALUES ('w2', 'W2', 'w2', 0, 0)`,
	} {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	companies := 0
	for i := 1; i <= 20; i++ {
		id := fmt.Sprintf("t%d", i)
		wantT, err := s.Ticket(ctx, "w", id)
		if err != nil {
			t.Fatal(err)
		}
		wantC, err := s.Customer(ctx, "w", wantT.CustomerID)
		if err != nil {
			t.Fatal(err)
		}
		gotT, gotC, err := s.TicketWithCustomer(ctx, "w", id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if !reflect.DeepEqual(gotT, wantT) || !reflect.DeepEqual(gotC, wantC) {
			t.Fatalf("%s:\n got %+v %+v\nwant %+v %+v", id, gotT, gotC, wantT, wantC)
		}
		if gotC.Company != nil {
			companies++
		}
		if _, _, err := s.TicketWithCustomer(ctx, "w2", id); !errors.Is(err, helpdesk.ErrNotFound) {
			t.Fatalf("%s from another workspace: %v", id, err)
		}
	}
	if companies == 0 {
		t.Fatal("no ticket's customer had a company")
	}
	if _, _, err := s.TicketWithCustomer(ctx, "w", "nope"); !errors.Is(err, helpdesk.ErrNotFound) {
		t.Fatalf("missing ticket: %v", err)
	}
}

// BenchmarkTicketWithCustomer reads one ticket whose customer has a
// company, the read behind GET /api/v1/tickets/{id}.
//
//	go test -run '^$' -bench TicketWithCustomer -benchmem ./internal/store/sqlite
func BenchmarkTicketWithCustomer(b *testing.B) {
	ctx := b.Context()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"), Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	seedTickets(b, s, 20)
	for _, q := range []string{
		`INSERT INTO companies (id, workspace_id, name, domain, created_at) VALUES ('co1', 'w', 'Acme', 'acme.example', 5)`,
		`UPDATE customers SET company_id = 'co1', name = 'Zoë' WHERE id = 'c2'`,
	} {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	for b.Loop() {
		_, c, err := s.TicketWithCustomer(ctx, "w", "t1")
		if err != nil || c == nil || c.Company == nil {
			b.Fatal(c, err)
		}
	}
}
