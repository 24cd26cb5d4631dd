package storetest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// testTicketPaging lists 500 tickets under every filter the store supports,
// page by page with the keyset cursor, and checks that each filter returns
// exactly the tickets a plain Go filter picks, newest first, each once.
func testTicketPaging(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	w := seed(t, s, "alpha")
	seed(t, s, "beta") // another workspace's tickets must never show

	bob := helpdesk.Customer{ID: newID(), WorkspaceID: w.WS.ID, Email: "bob@corp.example", CreatedAt: at(0), UpdatedAt: at(0)}
	zed := helpdesk.Customer{ID: newID(), WorkspaceID: w.WS.ID, Email: "zed_x@corp.example", Name: new("Zed"), CreatedAt: at(0), UpdatedAt: at(0)}
	customers := []helpdesk.Customer{w.Customer, bob, zed}
	topics := []string{"printer", "Billing 100% wrong", "login_issue", "PRINTER jam", "loginXissue"}

	// The model: every ticket of the workspace as the list should show it.
	model := []helpdesk.TicketRow{{Ticket: w.Ticket, CustomerEmail: w.Customer.Email, CustomerName: w.Customer.Name,
		AssigneeName: &w.Agent.Name, InboxName: w.Inbox.Name}}
	inTx(t, s, func(tx helpdesk.Tx) error {
		if err := tx.CreateCustomer(ctx, &bob); err != nil {
			return err
		}
		if err := tx.CreateCustomer(ctx, &zed); err != nil {
			return err
		}
		for i := range 500 {
			n, err := tx.NextTicketNumber(ctx, w.WS.ID)
			if err != nil {
				return err
			}
			c := customers[i%3]
			row := helpdesk.TicketRow{CustomerEmail: c.Email, CustomerName: c.Name, InboxName: w.Inbox.Name}
			// Random ids, so nothing can page by id instead of number.
			row.Ticket = helpdesk.Ticket{ID: unknownID(), WorkspaceID: w.WS.ID, Number: n,
				Subject:     fmt.Sprintf("Ticket %d: %s", i, topics[i%len(topics)]),
				Description: "d", Status: helpdesk.Statuses[i%4], Priority: helpdesk.Priorities[(i/4)%4],
				Source: helpdesk.SourceAPI, InboxID: w.Inbox.ID, CustomerID: c.ID, CreatedAt: at(i), UpdatedAt: at(i)}
			if i%3 == 0 {
				row.InboxID, row.InboxName = w.Other.ID, w.Other.Name
			}
			switch i % 5 {
			case 0, 1:
				row.AssigneeID, row.AssigneeName = &w.Agent.ID, &w.Agent.Name
			case 2:
				row.AssigneeID, row.AssigneeName = &w.Owner.ID, &w.Owner.Name
			}
			if i%50 == 7 {
				row.MergedIntoID = &w.Ticket.ID
			}
			if err := tx.CreateTicket(ctx, &row.Ticket); err != nil {
				return err
			}
			model = append(model, row)
		}
		return nil
	})
	slices.Reverse(model) // newest first

	st := func(s ...helpdesk.Status) []helpdesk.Status { return s }
	pr := func(p ...helpdesk.Priority) []helpdesk.Priority { return p }
	filters := []helpdesk.TicketFilter{
		{},
		{IncludeMerged: true},
		{Statuses: st(helpdesk.StatusOpen)},
		{Statuses: st(helpdesk.StatusClosed), IncludeMerged: true},
		{Statuses: st(helpdesk.StatusNew, helpdesk.StatusPending)},
		{Statuses: st(helpdesk.StatusOpen, helpdesk.StatusOpen, helpdesk.StatusClosed)}, // repeated
		{Statuses: st(helpdesk.StatusNew, helpdesk.StatusOpen, helpdesk.StatusPending, helpdesk.StatusClosed)},
		{Priorities: pr(helpdesk.PriorityUrgent)},
		{Priorities: pr(helpdesk.PriorityLow, helpdesk.PriorityHigh), Statuses: st(helpdesk.StatusOpen, helpdesk.StatusClosed)},
		{InboxID: w.Other.ID},
		{InboxID: w.Inbox.ID, Statuses: st(helpdesk.StatusPending)},
		{AssigneeID: w.Agent.ID},
		{AssigneeID: w.Owner.ID, Statuses: st(helpdesk.StatusNew)},
		{Unassigned: true},
		{Unassigned: true, InboxID: w.Other.ID, Priorities: pr(helpdesk.PriorityMedium)},
		{CustomerID: zed.ID},
		{CustomerID: bob.ID, Statuses: st(helpdesk.StatusOpen), IncludeMerged: true},
		{Query: "printer"},
		{Query: "  PRINTER  "},
		{Query: "100%"},
		{Query: "login_issue"},
		{Query: "corp.example"},
		{Query: "ZED_X"},
		{Query: "#42"},
		{Query: "42"},
		{Query: "7"},
		{Query: "Ticket 1", Statuses: st(helpdesk.StatusClosed), AssigneeID: w.Agent.ID},
		{Query: "nothing matches this"},
		{AssigneeID: w.Agent.ID, Unassigned: true}, // contradictory: nothing
	}
	for _, f := range filters {
		var want []int64
		for _, r := range model {
			if matchesTicket(r, f) {
				want = append(want, r.Number)
			}
		}
		for _, limit := range []int{7, 50} {
			f.Limit = limit
			got := pageAll(t, s, w.WS.ID, f, nil)
			if !slices.Equal(got, want) {
				t.Errorf("filter %s, limit %d:\n got  %v\n want %v", show(f), limit, got, want)
			}
		}
	}

	// Rows carry what the list shows beside each ticket.
	rows, err := s.Tickets(ctx, w.WS.ID, helpdesk.TicketFilter{Limit: 12, IncludeMerged: true})
	noErr(t, err)
	equal(t, "first page of rows", rows, model[:12])
	rows, err = s.Tickets(ctx, w.WS.ID, helpdesk.TicketFilter{BeforeNumber: 3, Limit: 10, IncludeMerged: true})
	noErr(t, err)
	equal(t, "last page of rows", rows, model[len(model)-2:])

	// Tickets created while a client pages land above its cursor: the pages
	// it has not read yet neither shift nor repeat.
	var want []int64
	for _, r := range model {
		if r.MergedIntoID == nil {
			want = append(want, r.Number)
		}
	}
	got := pageAll(t, s, w.WS.ID, helpdesk.TicketFilter{Limit: 20}, func() {
		inTx(t, s, func(tx helpdesk.Tx) error {
			n, err := tx.NextTicketNumber(ctx, w.WS.ID)
			if err != nil {
				return err
			}
			tk := w.Ticket
			tk.ID, tk.Number = newID(), n
			return tx.CreateTicket(ctx, &tk)
		})
	})
	if !slices.Equal(got, want) {
		t.Errorf("paging while tickets are created:\n got  %v\n want %v", got, want)
	}
}

// pageAll follows the keyset cursor to the end and returns the numbers seen,
// calling between (when set) after each page. It fails on a repeated number.
func pageAll(t *testing.T, s helpdesk.Store, workspaceID string, f helpdesk.TicketFilter, between func()) []int64 {
	t.Helper()
	seen := map[int64]bool{}
	var numbers []int64
	for pages := 0; ; pages++ {
		if pages > 600 {
			t.Fatalf("filter %s: paging does not end", show(f))
		}
		rows, err := s.Tickets(t.Context(), workspaceID, f)
		noErr(t, err)
		for _, r := range rows {
			if seen[r.Number] {
				t.Fatalf("filter %s: ticket #%d returned twice", show(f), r.Number)
			}
			seen[r.Number] = true
			numbers = append(numbers, r.Number)
		}
		if len(rows) < f.Limit {
			return numbers
		}
		f.BeforeNumber = rows[len(rows)-1].Number
		if between != nil {
			between()
		}
	}
}

// matchesTicket is the filter the store must implement, in plain Go.
func matchesTicket(r helpdesk.TicketRow, f helpdesk.TicketFilter) bool {
	switch {
	case f.BeforeNumber > 0 && r.Number >= f.BeforeNumber,
		!f.IncludeMerged && r.MergedIntoID != nil,
		len(f.Statuses) > 0 && !slices.Contains(f.Statuses, r.Status),
		len(f.Priorities) > 0 && !slices.Contains(f.Priorities, r.Priority),
		f.InboxID != "" && r.InboxID != f.InboxID,
		f.AssigneeID != "" && (r.AssigneeID == nil || *r.AssigneeID != f.AssigneeID),
		f.Unassigned && r.AssigneeID != nil,
		f.CustomerID != "" && r.CustomerID != f.CustomerID:
		return false
	}
	q := strings.ToLower(strings.TrimSpace(f.Query))
	if q == "" {
		return true
	}
	if n, err := strconv.ParseInt(strings.TrimPrefix(q, "#"), 10, 64); err == nil && n == r.Number {
		return true
	}
	return strings.Contains(strings.ToLower(r.Subject), q) || strings.Contains(r.CustomerEmail, q)
}
