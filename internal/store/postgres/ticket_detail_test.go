package postgres_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/postgres"
	"github.com/tixallo/tixallo/internal/store/teststore"
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

// BenchmarkTicketWithCustomer reads one ticket whose customer has a
// company, the read behind GET /api/v1/tickets/{id}.
//
//	TIXALLO_TEST_POSTGRES=… go test -run '^$' -bench TicketWithCustomer -benchmem ./internal/store/postgres
func BenchmarkTicketWithCustomer(b *testing.B) {
	ctx := b.Context()
	s, err := postgres.Open(ctx, teststore.NewPostgresSchema(b), postgres.Options{Migrate: true, MaxConns: 4})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	now := time.Now().UTC().Truncate(time.Microsecond)
	id := func() string { return uuid.Must(uuid.NewV7()).String() }
	domain := "acme.example"
	ws := helpdesk.Workspace{ID: id(), Name: "Acme", Slug: "acme-" + uuid.NewString()[:8], CreatedAt: now}
	inbox := helpdesk.Inbox{ID: id(), WorkspaceID: ws.ID, Name: "Support", IsDefault: true, CreatedAt: now}
	co := helpdesk.Company{ID: id(), WorkspaceID: ws.ID, Name: "Acme", Domain: &domain, CreatedAt: now}
	cu := helpdesk.Customer{ID: id(), WorkspaceID: ws.ID, Email: "c@example.com", CompanyID: &co.ID,
		CreatedAt: now, UpdatedAt: now}
	tk := helpdesk.Ticket{ID: id(), WorkspaceID: ws.ID, Subject: "s", Description: "d", Status: helpdesk.StatusNew,
		Priority: helpdesk.PriorityLow, Source: helpdesk.SourceAPI, InboxID: inbox.ID, CustomerID: cu.ID,
		CreatedAt: now, UpdatedAt: now}
	err = s.InTx(ctx, func(tx helpdesk.Tx) error {
		if err := tx.CreateWorkspace(ctx, &ws); err != nil {
			return err
		}
		n, err := tx.NextTicketNumber(ctx, ws.ID)
		if err != nil {
			return err
		}
		tk.Number = n
		return errors.Join(tx.CreateInbox(ctx, &inbox), tx.CreateCompany(ctx, &co), tx.CreateCustomer(ctx, &cu),
			tx.CreateTicket(ctx, &tk))
	})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_, c, err := s.TicketWithCustomer(ctx, ws.ID, tk.ID)
		if err != nil || c == nil || c.Company == nil {
			b.Fatal(c, err)
		}
	}
}
