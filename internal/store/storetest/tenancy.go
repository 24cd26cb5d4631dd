package storetest

import (
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// Tenancy: an id that belongs to another workspace behaves exactly like an
// id that does not exist. Each test builds two full workspaces and asks
// with alpha's workspace id about beta's rows.

func testTenancyReads(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	a := seed(t, s, "alpha")
	b := seed(t, s, "beta")
	// Make beta's ticket number one alpha does not have.
	inTx(t, s, func(tx helpdesk.Tx) error {
		tk := b.Ticket
		tk.ID, tk.Number = newID(), 77
		return tx.CreateTicket(ctx, &tk)
	})

	ws := a.WS.ID
	reads := []struct {
		name string
		err  func() error
	}{
		{"Member", func() error { _, err := s.Member(ctx, ws, b.Owner.ID); return err }},
		{"Inbox", func() error { _, err := s.Inbox(ctx, ws, b.Inbox.ID); return err }},
		{"Customer", func() error { _, err := s.Customer(ctx, ws, b.Customer.ID); return err }},
		{"CustomerByEmail", func() error { _, err := s.CustomerByEmail(ctx, ws, b.Customer.Email); return err }},
		{"Company", func() error { _, err := s.Company(ctx, ws, b.Company.ID); return err }},
		{"Ticket", func() error { _, err := s.Ticket(ctx, ws, b.Ticket.ID); return err }},
		{"TicketByNumber", func() error { _, err := s.TicketByNumber(ctx, ws, 77); return err }},
		{"IdempotencyRecord", func() error { _, err := s.IdempotencyRecord(ctx, ws, "beta-only"); return err }},
	}
	inTx(t, s, func(tx helpdesk.Tx) error {
		r := b.Idem
		r.Key = "beta-only"
		return tx.CreateIdempotencyRecord(ctx, &r)
	})
	for _, r := range reads {
		wantNotFound(t, r.name+" of another workspace", r.err())
	}

	// A customer pointing at another workspace's company (which no service
	// path makes) still never shows that company.
	stray := helpdesk.Customer{ID: newID(), WorkspaceID: ws, Email: "stray@alpha.example", CompanyID: &b.Company.ID,
		CreatedAt: at(0), UpdatedAt: at(0)}
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.CreateCustomer(ctx, &stray) })
	c, err := s.Customer(ctx, ws, stray.ID)
	noErr(t, err)
	if c.Company != nil {
		t.Errorf("a customer of alpha shows beta's company %s", show(c.Company))
	}
	// The same holds inside a transaction.
	inTx(t, s, func(tx helpdesk.Tx) error {
		_, err := tx.Ticket(ctx, ws, b.Ticket.ID)
		wantNotFound(t, "Tx.Ticket of another workspace", err)
		_, err = tx.Customer(ctx, ws, b.Customer.ID)
		wantNotFound(t, "Tx.Customer of another workspace", err)
		return nil
	})
}

func testTenancyLists(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	a := seed(t, s, "alpha")
	b := seed(t, s, "beta")
	ws := a.WS.ID

	// Lists under alpha's id hold alpha's rows only.
	only := func(what string, ids []string, want ...string) {
		t.Helper()
		for _, id := range ids {
			found := false
			for _, w := range want {
				found = found || id == w
			}
			if !found {
				t.Errorf("%s of alpha includes %s, which is not alpha's", what, id)
			}
		}
		if len(ids) != len(want) {
			t.Errorf("%s of alpha: %d rows, want %d", what, len(ids), len(want))
		}
	}

	members, err := s.Members(ctx, ws)
	noErr(t, err)
	only("Members", collect(members, func(m helpdesk.Member) string { return m.UserID }), a.Owner.ID, a.Agent.ID)
	invites, err := s.Invites(ctx, ws)
	noErr(t, err)
	only("Invites", collect(invites, func(i helpdesk.Invite) string { return i.ID }), a.Invite.ID)
	inboxes, err := s.Inboxes(ctx, ws)
	noErr(t, err)
	only("Inboxes", collect(inboxes, func(i helpdesk.Inbox) string { return i.ID }), a.Inbox.ID, a.Other.ID)
	def, err := s.DefaultInbox(ctx, ws)
	noErr(t, err)
	only("DefaultInbox", []string{def.ID}, a.Inbox.ID)
	customers, err := s.Customers(ctx, ws, helpdesk.CustomerFilter{})
	noErr(t, err)
	only("Customers", collect(customers, func(c helpdesk.Customer) string { return c.ID }), a.Customer.ID)
	customers, err = s.Customers(ctx, ws, helpdesk.CustomerFilter{CompanyID: b.Company.ID})
	noErr(t, err)
	only("Customers of beta's company", collect(customers, func(c helpdesk.Customer) string { return c.ID }))
	companies, err := s.Companies(ctx, ws)
	noErr(t, err)
	only("Companies", collect(companies, func(c helpdesk.Company) string { return c.ID }), a.Company.ID)

	for _, f := range []helpdesk.TicketFilter{
		{IncludeMerged: true},
		{Query: "beta"},
		{CustomerID: b.Customer.ID},
		{InboxID: b.Inbox.ID},
		{AssigneeID: b.Agent.ID},
	} {
		tickets, err := s.Tickets(ctx, ws, f)
		noErr(t, err)
		var want []string
		if f.Query == "" && f.CustomerID == "" && f.InboxID == "" && f.AssigneeID == "" {
			want = []string{a.Ticket.ID}
		}
		only("Tickets "+show(f), collect(tickets, func(r helpdesk.TicketRow) string { return r.ID }), want...)
	}
	counts, err := s.CountTickets(ctx, ws)
	noErr(t, err)
	equal(t, "CountTickets of alpha (open)", counts[helpdesk.StatusOpen], 1)
	messages, err := s.Messages(ctx, ws, b.Ticket.ID, true)
	noErr(t, err)
	only("Messages of beta's ticket", collect(messages, func(m helpdesk.Message) string { return m.ID }))
	keys, err := s.APIKeys(ctx, ws)
	noErr(t, err)
	only("APIKeys", collect(keys, func(k helpdesk.APIKey) string { return k.ID }), a.Key.ID)
	audit, err := s.AuditEntries(ctx, ws, helpdesk.AuditCursor{CreatedAt: at(100000)}, 0)
	noErr(t, err)
	only("AuditEntries", collect(audit, func(e helpdesk.AuditEntry) string { return e.ID }), a.Audit.ID)
	events, err := s.Events(ctx, ws, 0, 0)
	noErr(t, err)
	only("Events", collect(events, func(e helpdesk.Event) string { return e.ID }), a.Event.ID)
}

func testTenancyWrites(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	a := seed(t, s, "alpha")
	b := seed(t, s, "beta")
	ws := a.WS.ID

	bTicket := b.Ticket
	bTicket.WorkspaceID, bTicket.Subject = ws, "hijacked"
	bCustomer := b.Customer
	bCustomer.WorkspaceID, bCustomer.Name = ws, new("hijacked")
	bIdem := b.Idem
	bIdem.WorkspaceID, bIdem.Status = ws, 500
	bIdem.Key = "beta-only"
	inTx(t, s, func(tx helpdesk.Tx) error {
		r := b.Idem
		r.Key = "beta-only"
		return tx.CreateIdempotencyRecord(ctx, &r)
	})

	writes := []struct {
		name string
		fn   func(tx helpdesk.Tx) error
	}{
		{"UpdateMemberRole", func(tx helpdesk.Tx) error { return tx.UpdateMemberRole(ctx, ws, b.Agent.ID, helpdesk.RoleOwner) }},
		{"DeleteMember", func(tx helpdesk.Tx) error { return tx.DeleteMember(ctx, ws, b.Agent.ID) }},
		{"AcceptInvite", func(tx helpdesk.Tx) error { return tx.AcceptInvite(ctx, ws, b.Invite.ID, at(99)) }},
		{"DeleteInvite", func(tx helpdesk.Tx) error { return tx.DeleteInvite(ctx, ws, b.Invite.ID) }},
		{"RenameInbox", func(tx helpdesk.Tx) error { return tx.RenameInbox(ctx, ws, b.Other.ID, "hijacked") }},
		{"SetDefaultInbox", func(tx helpdesk.Tx) error { return tx.SetDefaultInbox(ctx, ws, b.Other.ID) }},
		{"UpdateCustomer", func(tx helpdesk.Tx) error { return tx.UpdateCustomer(ctx, &bCustomer) }},
		{"UpdateTicket", func(tx helpdesk.Tx) error { return tx.UpdateTicket(ctx, &bTicket) }},
		{"RevokeAPIKey", func(tx helpdesk.Tx) error { return tx.RevokeAPIKey(ctx, ws, b.Key.ID, a.Owner.ID, at(99)) }},
		{"CompleteIdempotencyRecord", func(tx helpdesk.Tx) error { return tx.CompleteIdempotencyRecord(ctx, &bIdem) }},
	}
	for _, w := range writes {
		// Commit whatever the write did, so a leak would stick.
		inTx(t, s, func(tx helpdesk.Tx) error {
			wantNotFound(t, w.name+" of another workspace", w.fn(tx))
			return nil
		})
	}
	inTx(t, s, func(tx helpdesk.Tx) error {
		// Deleting another workspace's key is quietly nothing, like a gone key.
		return tx.DeleteIdempotencyRecord(ctx, ws, "beta-only")
	})

	// Beta is untouched.
	bws := b.WS.ID
	m, err := s.Member(ctx, bws, b.Agent.ID)
	noErr(t, err)
	equal(t, "beta's agent role", m.Role, helpdesk.RoleAgent)
	inv, err := s.InviteByTokenHash(ctx, b.Invite.TokenHash)
	noErr(t, err)
	equal(t, "beta's invite", inv, &b.Invite)
	in, err := s.Inbox(ctx, bws, b.Other.ID)
	noErr(t, err)
	equal(t, "beta's other inbox", in, &b.Other)
	def, err := s.DefaultInbox(ctx, bws)
	noErr(t, err)
	equal(t, "beta's default inbox", def.ID, b.Inbox.ID)
	def, err = s.DefaultInbox(ctx, ws)
	noErr(t, err)
	equal(t, "alpha's default inbox", def.ID, a.Inbox.ID)
	c, err := s.Customer(ctx, bws, b.Customer.ID)
	noErr(t, err)
	equal(t, "beta's customer", c, &b.Customer)
	tk, err := s.Ticket(ctx, bws, b.Ticket.ID)
	noErr(t, err)
	equal(t, "beta's ticket", tk, &b.Ticket)
	k, err := s.APIKeyByKeyID(ctx, b.Key.KeyID)
	noErr(t, err)
	equal(t, "beta's key", k, &b.Key)
	r, err := s.IdempotencyRecord(ctx, bws, "beta-only")
	noErr(t, err)
	equal(t, "beta's idempotency record status", r.Status, 0)

	// Ticket numbers are per workspace: alpha taking numbers leaves beta's
	// sequence alone.
	inTx(t, s, func(tx helpdesk.Tx) error {
		n, err := tx.NextTicketNumber(ctx, ws)
		equal(t, "alpha's next number", n, int64(2))
		return err
	})
	inTx(t, s, func(tx helpdesk.Tx) error {
		n, err := tx.NextTicketNumber(ctx, bws)
		equal(t, "beta's next number", n, int64(2))
		return err
	})
}

// collect maps a list to one string per row.
func collect[T any](rows []T, key func(T) string) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, key(r))
	}
	return out
}
