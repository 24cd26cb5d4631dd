package helpdesk_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TestCreateTicketNewCustomerRace: concurrent creates for one new email.
// On PostgreSQL several transactions find nobody and try to create the
// customer; one does, the others meet the conflict and the store runs them
// again, when they find it. On SQLite the one writer orders them. Every create succeeds, with one customer for all of them
// and gapless numbers.
func TestCreateTicketNewCustomerRace(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	cw, err := f.svc.CreateWorkspace(ctx, helpdesk.NewWorkspace{Name: "Race"}, "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	ws := cw.Workspace.ID
	const n = 20
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		tickets []*helpdesk.Ticket
		errs    []error
	)
	for i := range n {
		wg.Go(func() {
			tk, err := f.svc.CreateTicket(ctx, ws, helpdesk.NewTicket{Subject: fmt.Sprintf("Race %d", i),
				Description: "d", CustomerEmail: "New.Person@Example.com", Source: helpdesk.SourceAPI})
			mu.Lock()
			defer mu.Unlock()
			tickets, errs = append(tickets, tk), append(errs, err)
		})
	}
	wg.Wait()
	numbers := map[int64]bool{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		numbers[tickets[i].Number] = true
		if tickets[i].CustomerID != tickets[0].CustomerID {
			t.Errorf("ticket #%d has customer %s, ticket #%d %s", tickets[i].Number, tickets[i].CustomerID,
				tickets[0].Number, tickets[0].CustomerID)
		}
	}
	for k := int64(1); k <= n; k++ {
		if !numbers[k] {
			t.Errorf("ticket number %d missing from %v", k, numbers)
		}
	}
	customers, err := f.store.Customers(ctx, ws, helpdesk.CustomerFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(customers) != 1 || customers[0].Email != "new.person@example.com" {
		t.Errorf("customers: %+v, want the one new.person@example.com", customers)
	}
}
