package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// workspace is what seedWorkspace made that the tour needs.
type workspace struct {
	id         string
	ownerEmail string
	mainTicket int64 // the ticket with a long conversation
}

// seedWorkspace fills a new workspace with nine days of a small outdoor
// shop's support: a team of four, companies, customers, tickets in every
// state with conversations and notes, and API keys. It goes through the same
// Service the app and the API use, with the server's clock moved back so the
// times look lived-in.
func seedWorkspace(t *testing.T, srv *server) *workspace {
	t.Helper()
	ctx := context.Background()
	svc := srv.app.Service
	start := time.Now().Add(-9 * 24 * time.Hour).Truncate(time.Hour).Add(9 * time.Hour)
	at := func(h float64) { srv.clock.Set(start.Add(time.Duration(h * float64(time.Hour)))) }
	defer srv.clock.Reset()
	check := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed %s: %v", what, err)
		}
	}

	at(0)
	in, err := svc.SignUp(ctx, helpdesk.NewAccount{
		Name: "Maya Okafor", Email: "maya@northwind.example", Password: password, WorkspaceName: "Northwind Outfitters",
	}, "127.0.0.1")
	check("sign-up", err)
	w := &workspace{id: in.WorkspaceID, ownerEmail: "maya@northwind.example"}
	owner := helpdesk.Actor{UserID: in.User.ID, Name: in.User.Name, IP: "127.0.0.1"}
	ids := map[string]string{"Maya": in.User.ID}
	for i, m := range []struct {
		first, last string
		role        helpdesk.Role
	}{
		{"Jonas", "Weber", helpdesk.RoleAdmin},
		{"Priya", "Nair", helpdesk.RoleAgent},
		{"Tomás", "Silva", helpdesk.RoleAgent},
	} {
		at(0.5 + float64(i)*0.2)
		email := strings.ToLower(m.first[:1]) + "." + strings.ToLower(m.last) + "@northwind.example"
		inv, err := svc.InviteMember(ctx, w.id, owner, email, m.role)
		check("invite", err)
		at(2 + float64(i))
		li, err := svc.AcceptInvite(ctx, inv.Token, helpdesk.AcceptInvite{Name: m.first + " " + m.last, Password: password}, "127.0.0.1")
		check("accept", err)
		ids[m.first] = li.User.ID
	}

	at(3)
	shop, err := svc.CreateAPIKey(ctx, w.id, owner, helpdesk.NewAPIKey{Name: "Shop backend"})
	check("key", err)
	report, err := svc.CreateAPIKey(ctx, w.id, owner, helpdesk.NewAPIKey{Name: "Reporting dashboard", Scope: helpdesk.ScopeRead})
	check("key", err)
	old, err := svc.CreateAPIKey(ctx, w.id, owner, helpdesk.NewAPIKey{Name: "Old contact form"})
	check("key", err)
	at(4)
	_, err = svc.RevokeAPIKey(ctx, w.id, old.Key.KeyID, owner)
	check("revoke", err)

	type msg struct {
		h      float64 // hours after the ticket
		who    string  // "" for the customer, else a member's first name
		note   bool
		body   string
		status helpdesk.Status // set after the message, when not ""
	}
	companies := map[string]string{}
	for _, c := range []struct{ name, domain string }{
		{"Alpine Club Zürich", "alpineclub.example"},
		{"Harbor & Pine Lodges", "harborpine.example"},
		{"Trailhead Schools", "trailhead.example"},
	} {
		co, err := svc.CreateCompany(ctx, w.id, c.name, c.domain)
		check("company", err)
		companies[c.domain] = co.ID
	}
	tickets := []struct {
		h             float64
		email, name   string
		subject, desc string
		priority      helpdesk.Priority
		source        helpdesk.Source
		assignee      string
		status        helpdesk.Status
		msgs          []msg
		main          bool
	}{
		{8, "lena.fischer@alpineclub.example", "Lena Fischer", "Group order of 24 jackets: sizes changed",
			"Hi, we ordered 24 Ridge jackets for the club (order 58812). Six members need a different size. Can we swap before it ships?",
			helpdesk.PriorityHigh, helpdesk.SourceEmail, "Priya", helpdesk.StatusPending, []msg{
				{1.5, "Priya", false, "Hi Lena, happy to help. The order has not shipped yet. Please send me the six names with the new sizes and I'll update it today.", ""},
				{3, "", false, "Thanks! Anna M → L, Ben K → XL, Carla S → S, David R → M, Eva T → L, Felix B → XXL.", ""},
				{3.5, "Priya", true, "Warehouse has all sizes except XXL in red. Asked Jonas whether we can pull one from the Basel stock.", ""},
				{5, "Jonas", true, "Basel has two XXL red. Transfer booked, arrives Thursday.", ""},
				{5.5, "Priya", false, "All six sizes are swapped. The XXL comes from our other warehouse, so the order ships on Thursday instead of Wednesday. I hope that works for the club!", helpdesk.StatusPending},
			}, true},
		{20, "owen@harborpine.example", "Owen Gallagher", "Invoice for March shows the wrong VAT number",
			"Our VAT number changed in February. The March invoice still shows the old one; accounting needs a corrected copy.",
			helpdesk.PriorityMedium, helpdesk.SourceEmail, "Jonas", helpdesk.StatusOpen, []msg{
				{2, "Jonas", false, "Thanks Owen, I've asked accounting to reissue it. You'll have it by tomorrow.", helpdesk.StatusOpen},
			}, false},
		{30, "sam.ito@example.net", "Sam Ito", "Tent pole snapped on first trip",
			"The main pole of my Summit 2 tent snapped at the joint on the first night. Photos attached. Is this covered?",
			helpdesk.PriorityHigh, helpdesk.SourceAPI, "Tomás", helpdesk.StatusOpen, []msg{
				{1, "Tomás", false, "Sorry to hear that, Sam. That's covered by the warranty. Which colour is your tent?", helpdesk.StatusOpen},
				{4, "", false, "It's the olive one.", ""},
			}, false},
		{44, "r.mensah@trailhead.example", "Ruth Mensah", "Quote for 60 day packs for a school trip",
			"We're taking three classes to the mountains in June. Could you quote 60 Daypack 20 in mixed colours, with our logo?",
			helpdesk.PriorityMedium, helpdesk.SourceWeb, "Maya", helpdesk.StatusNew, nil, false},
		{60, "kofi.boateng@example.org", "Kofi Boateng", "Where is my order #58790?",
			"Tracking hasn't moved in four days.", helpdesk.PriorityMedium, helpdesk.SourceAPI, "", helpdesk.StatusNew, nil, false},
		{75, "ines@example.com", "Inês Duarte", "Can I return boots bought in the Lisbon store online?",
			"They're too small, unworn, receipt from the shop.", helpdesk.PriorityLow, helpdesk.SourceEmail, "Priya", helpdesk.StatusClosed, []msg{
				{2, "Priya", false, "Yes, you can! Use the return form with the receipt number and we'll send a label.", helpdesk.StatusClosed},
			}, false},
		{90, "ops@harborpine.example", "Harbor & Pine Ops", "Website down? Checkout returns an error",
			"Three guests tried to buy gift cards this morning and all got 'Something went wrong'.",
			helpdesk.PriorityUrgent, helpdesk.SourceAPI, "Jonas", helpdesk.StatusOpen, []msg{
				{0.3, "Jonas", true, "Payment provider incident, status page confirms. Posting updates here.", ""},
				{0.5, "Jonas", false, "We're on it: our payment provider has an outage. We'll tell you as soon as it's fixed.", helpdesk.StatusOpen},
			}, false},
		{110, "yuki.tanaka@example.jp", "Yuki Tanaka", "Do you ship to Japan?",
			"I'd love to order the Fjell parka.", helpdesk.PriorityLow, helpdesk.SourceWeb, "", helpdesk.StatusNew, nil, false},
		{130, "lena.fischer@alpineclub.example", "Lena Fischer", "Club discount code not applied",
			"The code ALPINE15 was accepted but the total didn't change.", helpdesk.PriorityMedium, helpdesk.SourceEmail, "Priya", helpdesk.StatusOpen, []msg{
				{1, "Priya", false, "You're right, sorry! I've refunded the 15 % to your card.", helpdesk.StatusOpen},
			}, false},
		{150, "marco.rossi@example.it", "Marco Rossi", "Sleeping bag zipper stuck",
			"", helpdesk.PriorityLow, helpdesk.SourceAPI, "Tomás", helpdesk.StatusPending, []msg{
				{3, "Tomás", false, "Hi Marco, try this: close it fully, then pull gently while pressing the fabric flat. If it still sticks we'll replace it.", helpdesk.StatusPending},
			}, false},
		{170, "noor@example.com", "Noor Haddad", "Change delivery address for order #58821",
			"We're moving on Friday; please send it to the new address below.", helpdesk.PriorityHigh, helpdesk.SourceWeb, "", helpdesk.StatusNew, nil, false},
		{190, "r.mensah@trailhead.example", "Ruth Mensah", "Logo file for the day packs",
			"Here's our logo as SVG for the quote.", helpdesk.PriorityMedium, helpdesk.SourceEmail, "Maya", helpdesk.StatusOpen, []msg{
				{0.5, "Maya", false, "Got it, thank you Ruth. The quote follows tomorrow.", helpdesk.StatusOpen},
			}, false},
		{205, "ben@example.org", "Ben Carter", "Headlamp battery lasts 2 hours, not 20",
			"Fully charged, on the low setting.", helpdesk.PriorityMedium, helpdesk.SourceAPI, "", helpdesk.StatusNew, nil, false},
	}
	for _, tk := range tickets {
		at(tk.h)
		name := tk.name
		prio := tk.priority
		desc := tk.desc
		if desc == "" {
			desc = "(no description)"
		}
		nt := helpdesk.NewTicket{Subject: tk.subject, Description: desc, CustomerEmail: tk.email, CustomerName: &name, Priority: &prio, Source: tk.source}
		if tk.assignee != "" && tk.source == helpdesk.SourceWeb {
			nt.AssigneeID = ids[tk.assignee]
		}
		created, err := svc.CreateTicket(ctx, w.id, nt)
		check("ticket", err)
		if tk.main {
			w.mainTicket = created.Number
		}
		if tk.assignee != "" {
			a := ids[tk.assignee]
			_, err = svc.UpdateTicket(ctx, w.id, created.ID, helpdesk.TicketChanges{AssigneeID: &a})
			check("assign", err)
		}
		for _, m := range tk.msgs {
			at(tk.h + m.h)
			nm := helpdesk.NewMessage{Body: m.body, Source: helpdesk.SourceWeb, Internal: m.note}
			if m.who != "" {
				nm.AuthorType, nm.AuthorID = helpdesk.AuthorAgent, ids[m.who]
				full := memberFullName(m.who)
				nm.AuthorName = &full
			} else {
				nm.AuthorType, nm.Source = helpdesk.AuthorCustomer, tk.source
			}
			_, err = svc.AddMessage(ctx, w.id, created.ID, nm)
			check("message", err)
		}
		if tk.status != helpdesk.StatusNew {
			st := tk.status
			_, err = svc.UpdateTicket(ctx, w.id, created.ID, helpdesk.TicketChanges{Status: &st})
			check("status", err)
		}
		if _, domain, _ := strings.Cut(tk.email, "@"); companies[domain] != "" {
			d, err := svc.TicketByNumber(ctx, w.id, created.Number, false)
			check("ticket", err)
			co := companies[domain]
			_, err = svc.UpdateCustomer(ctx, w.id, d.Ticket.CustomerID, helpdesk.CustomerChanges{CompanyID: &co})
			check("customer", err)
		}
	}
	// The keys in use were used lately. The API records use in batches
	// every 30 s (through this same call), too late for the tour.
	srv.clock.Reset()
	if r := srv.api(t, "GET", "/api/v1/tickets?limit=5", shop.Secret, nil); r.status != http.StatusOK {
		t.Fatalf("API with the shop's key: %d %s", r.status, r.body)
	}
	check("touch", svc.TouchAPIKeys(ctx, map[string]time.Time{
		shop.Key.ID:   time.Now().Add(-3 * time.Minute),
		report.Key.ID: time.Now().Add(-5 * time.Hour),
		old.Key.ID:    start.Add(3*time.Hour + 40*time.Minute),
	}))
	return w
}

func memberFullName(first string) string {
	return map[string]string{"Maya": "Maya Okafor", "Jonas": "Jonas Weber", "Priya": "Priya Nair", "Tomás": "Tomás Silva"}[first]
}

// TestScreenshots tours the main pages of a lived-in workspace, checks the
// accessibility basics on each, and with TIXALLO_SCREENSHOTS set saves a
// PNG of each (1280×800) into that folder.
func TestScreenshots(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	tb := newTab(t, srv.url, 2*time.Minute)
	w := seedWorkspace(t, srv)

	tb.open("/login")
	tb.fill("#login-email", w.ownerEmail)
	tb.fill("#login-password", password)
	if st := tb.click("#login-submit"); st != http.StatusOK {
		t.Fatalf("log in: %d", st)
	}
	tb.wantPage("/tickets", "Tickets")
	tb.audit()
	if n := tb.count(`#ticket-list tr[data-test=ticket-row]`); n < 8 {
		t.Errorf("ticket list shows %d rows", n)
	}
	tb.screenshot("tickets")

	tb.open(fmt.Sprintf("/tickets/%d", w.mainTicket))
	tb.audit()
	if n := tb.count(`#conversation article[data-test=message]`); n != 6 {
		t.Errorf("main ticket shows %d conversation entries, want 6", n)
	}
	tb.screenshot("ticket")

	tb.click("#nav-customers")
	tb.wantPage("/customers", "Customers")
	tb.audit()
	tb.screenshot("customers")

	tb.click(`#customer-list a[data-test=customer-link], tr[data-test=customer-row] a[data-test=customer-link]`)
	tb.audit()
	tb.click("#nav-companies")
	tb.audit()
	tb.click("#nav-inboxes")
	tb.audit()
	tb.click("#nav-team")
	tb.audit()
	tb.click("#nav-account")
	tb.audit()

	key := tb.createKey("Zapier")
	tb.screenshot("key-created")
	tb.click("#key-done")
	tb.audit()
	if tb.count(`#api-keys tr[data-test=api-key-row]`) != 4 {
		t.Errorf("Integrations lists %d keys, want 4", tb.count(`#api-keys tr[data-test=api-key-row]`))
	}
	if r := srv.api(t, "GET", "/api/v1/tickets?limit=1", key, nil); r.status != http.StatusOK {
		t.Errorf("the new key: %d", r.status)
	}
	tb.screenshot("integrations")

	tb.click("#nav-audit")
	tb.wantPage("/audit", "Audit")
	tb.audit()
	tb.screenshot("audit-log")
}
