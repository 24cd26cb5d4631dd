package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// objectKeys returns the member names of a JSON object in document order.
func objectKeys(t testing.TB, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

var ticketKeys = []string{"id", "ticket_number", "subject", "description", "status", "priority", "source",
	"created_at", "updated_at", "customer_id", "inbox_id", "assignee_id", "merged_into_id"}

func TestCreateTicket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	body := `{"subject":"  Printer on fire  ","description":"It is.","customer_email":" Ann@Example.COM ","customer_name":"Ann","priority":"urgent","status":"closed","source":"email","unknown":{"deep":[1,2]}}`
	w := e.do("POST", "/api/v1/tickets", tn.key, body)
	if w.Code != http.StatusCreated {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var out struct {
		Data json.RawMessage `json:"data"`
	}
	mustUnmarshal(t, w.Body.Bytes(), &out)
	if got := objectKeys(t, out.Data); !slices.Equal(got, ticketKeys) {
		t.Fatalf("ticket members %v, want %v", got, ticketKeys)
	}
	var tk ticketObject
	mustUnmarshal(t, out.Data, &tk)
	if tk.Subject != "Printer on fire" || tk.Status != "new" || tk.Source != "api" || tk.Priority != "urgent" ||
		tk.TicketNumber != 1 || tk.AssigneeID != nil || tk.MergedIntoID != nil || !validID(tk.ID) {
		t.Fatalf("ticket %+v", tk)
	}
	if want := helpdesk.FormatTime(e.clock.Now()); tk.CreatedAt != want || tk.UpdatedAt != want {
		t.Fatalf("timestamps %s %s, want %s", tk.CreatedAt, tk.UpdatedAt, want)
	}
	if loc := w.Header().Get("Location"); loc != "/api/v1/tickets/"+tk.ID {
		t.Fatalf("Location %q", loc)
	}
	inbox, err := e.store.DefaultInbox(context.Background(), tn.ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tk.InboxID != inbox.ID {
		t.Fatalf("inbox %s, want the default %s", tk.InboxID, inbox.ID)
	}
	// The same customer, found by email case-insensitively, and the next number.
	tk2 := e.createTicket(tn, "Again", "ann@example.com")
	if tk2.CustomerID != tk.CustomerID || tk2.TicketNumber != 2 || tk2.Priority != "medium" {
		t.Fatalf("second ticket %+v", tk2)
	}
}

func TestGetTicket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	ctx := context.Background()
	tk := e.createTicket(tn, "Hello", "bob@example.com")
	co, err := e.svc.CreateCompany(ctx, tn.ws.ID, "Acme", "acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateCustomer(ctx, tn.ws.ID, tk.CustomerID, helpdesk.CustomerChanges{CompanyID: &co.ID}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{`{"body":"first"}`, `{"body":"second","author_type":"agent"}`} {
		if w := e.do("POST", "/api/v1/tickets/"+tk.ID+"/messages", tn.key, m); w.Code != 201 {
			t.Fatalf("message: %d %s", w.Code, w.Body)
		}
		e.clock.Advance(1e9)
	}
	if _, err := e.svc.AddMessage(ctx, tn.ws.ID, tk.ID, helpdesk.NewMessage{Body: "INTERNAL NOTE", AuthorType: helpdesk.AuthorAgent, Internal: true, Source: helpdesk.SourceWeb}); err != nil {
		t.Fatal(err)
	}

	w := e.do("GET", "/api/v1/tickets/"+tk.ID, tn.key, "")
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if strings.Contains(w.Body.String(), "INTERNAL NOTE") {
		t.Fatal("an internal note reached the API")
	}
	var out struct {
		Data json.RawMessage `json:"data"`
	}
	mustUnmarshal(t, w.Body.Bytes(), &out)
	if got, want := objectKeys(t, out.Data), append(slices.Clone(ticketKeys), "customer", "messages"); !slices.Equal(got, want) {
		t.Fatalf("members %v, want %v", got, want)
	}
	var d struct {
		Status   string          `json:"status"`
		Customer json.RawMessage `json:"customer"`
		Messages []json.RawMessage
	}
	mustUnmarshal(t, out.Data, &d)
	if got := objectKeys(t, d.Customer); !slices.Equal(got, []string{"id", "email", "name", "company", "created_at"}) {
		t.Fatalf("customer members %v", got)
	}
	var c customerObject
	mustUnmarshal(t, d.Customer, &c)
	if c.ID != tk.CustomerID || c.Email != "bob@example.com" || c.Name != nil || c.Company == nil ||
		c.Company.ID != co.ID || c.Company.Name != "Acme" || c.Company.Domain == nil || *c.Company.Domain != "acme.example" {
		t.Fatalf("customer %s", d.Customer)
	}
	if len(d.Messages) != 2 {
		t.Fatalf("%d messages, want 2", len(d.Messages))
	}
	for i, raw := range d.Messages {
		if got := objectKeys(t, raw); !slices.Equal(got, []string{"id", "ticket_id", "author_type", "author_name", "body", "source", "created_at"}) {
			t.Fatalf("message members %v", got)
		}
		var m messageObject
		mustUnmarshal(t, raw, &m)
		want := []messageObject{
			{TicketID: tk.ID, AuthorType: "customer", AuthorName: "bob@example.com", Body: "first", Source: "api"},
			{TicketID: tk.ID, AuthorType: "agent", AuthorName: "API", Body: "second", Source: "api"},
		}[i]
		want.ID, want.CreatedAt = m.ID, m.CreatedAt
		if m != want {
			t.Fatalf("message %d: %+v, want %+v", i, m, want)
		}
	}
	if d.Status != "open" {
		t.Fatalf("status %s after an agent reply, want open", d.Status)
	}
	// A customer without a company shows "company":null.
	tk2 := e.createTicket(tn, "No company", "solo@example.com")
	w = e.do("GET", "/api/v1/tickets/"+tk2.ID, tn.key, "")
	if !strings.Contains(w.Body.String(), `"company":null`) || !strings.Contains(w.Body.String(), `"messages":[]`) {
		t.Fatalf("customer without company: %s", w.Body)
	}
}

// TestListTickets pages through tickets and checks order, limits, filters,
// merged exclusion and the end of the list.
func TestListTickets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	ctx := context.Background()
	var all []ticketObject
	for i := range 45 {
		all = append(all, e.createTicket(tn, fmt.Sprintf("Ticket %d", i+1), "c@example.com"))
	}
	closed := helpdesk.StatusClosed
	for _, i := range []int{3, 10, 30} {
		if _, err := e.svc.UpdateTicket(ctx, tn.ws.ID, all[i].ID, helpdesk.TicketChanges{Status: &closed}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.MergeTicket(ctx, tn.ws.ID, all[44].ID, all[0].ID, helpdesk.Actor{}); err != nil {
		t.Fatal(err)
	}

	numbers := func(query string, limit int) (got []int64, pages int) {
		path := "/api/v1/tickets?limit=" + fmt.Sprint(limit) + query
		for {
			w := e.do("GET", path, tn.key, "")
			if w.Code != 200 {
				t.Fatalf("%s: %d %s", path, w.Code, w.Body)
			}
			var page struct {
				Data       []ticketObject `json:"data"`
				NextCursor *string        `json:"next_cursor"`
			}
			mustUnmarshal(t, w.Body.Bytes(), &page)
			pages++
			if len(page.Data) > limit {
				t.Fatalf("%d tickets on a page of %d", len(page.Data), limit)
			}
			for _, tk := range page.Data {
				got = append(got, tk.TicketNumber)
			}
			if page.NextCursor == nil {
				return got, pages
			}
			path = "/api/v1/tickets?limit=" + fmt.Sprint(limit) + query + "&cursor=" + url.QueryEscape(*page.NextCursor)
		}
	}
	var want []int64
	for n := int64(44); n >= 1; n-- { // 45 was merged
		want = append(want, n)
	}
	if got, pages := numbers("", 20); !slices.Equal(got, want) || pages != 3 {
		t.Fatalf("all tickets in %d pages: %v", pages, got)
	}
	if got, _ := numbers("&status=closed", 2); !slices.Equal(got, []int64{31, 11, 4}) {
		t.Fatalf("closed: %v", got)
	}
	if got, _ := numbers("&status=closed,new", 50); len(got) != 44 {
		t.Fatalf("closed,new: %d tickets", len(got))
	}
	if got, _ := numbers("&status=open,pending", 50); len(got) != 0 {
		t.Fatalf("open,pending: %v", got)
	}
	// The default page is 20.
	w := e.do("GET", "/api/v1/tickets", tn.key, "")
	var page ticketPage
	mustUnmarshal(t, w.Body.Bytes(), &page)
	if len(page.Data) != 20 || page.NextCursor == nil {
		t.Fatalf("default page: %d tickets", len(page.Data))
	}
	// An exact multiple of the page size ends without an empty page.
	if got, pages := numbers("&status=new", 41); len(got) != 41 || pages != 1 {
		t.Fatalf("status=new limit 41: %d tickets in %d pages", len(got), pages)
	}
}

func TestListTicketsBadParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	e.createTicket(tn, "one", "c@example.com")
	e.createTicket(tn, "two", "c@example.com")
	w := e.do("GET", "/api/v1/tickets?limit=1", tn.key, "")
	var page ticketPage
	mustUnmarshal(t, w.Body.Bytes(), &page)
	good := *page.NextCursor
	evw := e.do("GET", "/api/v1/events", tn.key, "")
	var ev eventPage
	mustUnmarshal(t, evw.Body.Bytes(), &ev)

	bad := map[string][]string{
		"limit":  {"", "0", "-1", "51", "1e2", "99999999999999999999", "abc", " 5", "+5", "5.0", "0x10", "%zz"},
		"status": {"", "unknown", "open,", ",open", "OPEN", "open,,closed", "merged", "new%00"},
		"cursor": {"", "x", good[:len(good)-1], good + "A", flip(good, 0), flip(good, 3), flip(good, len(good)-1),
			strings.ToUpper(good), ev.NextCursor, good + "=", "%zz"},
	}
	for param, values := range bad {
		for _, v := range values {
			raw := param + "=" + url.QueryEscape(v)
			if strings.Contains(v, "%") {
				raw = param + "=" + v // sent as is: a broken escape
			}
			w := e.do("GET", "/api/v1/tickets?"+raw, tn.key, "")
			var body struct {
				Error   string `json:"error"`
				Details struct {
					FieldErrors map[string][]string `json:"fieldErrors"`
					FormErrors  []string            `json:"formErrors"`
				} `json:"details"`
			}
			mustUnmarshal(t, w.Body.Bytes(), &body)
			if w.Code != 400 || body.Error != "Invalid input" || len(body.Details.FieldErrors[param]) == 0 ||
				len(body.Details.FieldErrors) != 1 || body.Details.FormErrors == nil {
				t.Errorf("%s: %d %s", raw, w.Code, w.Body)
			}
		}
	}
	for _, q := range []string{"limit=1", "limit=50", "limit=05", "status=new", "status=new,closed,new", "cursor=" + good, "unknown=1&limit=2"} {
		if w := e.do("GET", "/api/v1/tickets?"+q, tn.key, ""); w.Code != 200 {
			t.Errorf("%s: %d %s", q, w.Code, w.Body)
		}
	}
	if w := e.do("GET", "/api/v1/tickets?limit=1&limit=2", tn.key, ""); w.Code != 400 {
		t.Errorf("repeated limit: %d", w.Code)
	}
}

// TestPagingWhileCreating pages through a list while other requests create
// tickets: every ticket that existed at the start is seen exactly once,
// nothing is repeated, and numbers strictly decrease.
func TestPagingWhileCreating(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	initial := map[string]bool{}
	for i := range 60 {
		initial[e.createTicket(tn, fmt.Sprintf("Before %d", i), "c@example.com").ID] = true
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var made atomic.Int64
	for g := range 3 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf(`{"subject":"During %d-%d","description":"d","customer_email":"c@example.com"}`, g, i)
				if w := e.do("POST", "/api/v1/tickets", tn.key, body); w.Code != 201 {
					t.Errorf("concurrent create: %d %s", w.Code, w.Body)
					return
				}
				made.Add(1)
			}
		})
	}
	seen := map[string]bool{}
	last := int64(1 << 62)
	path := "/api/v1/tickets?limit=7"
	for {
		w := e.do("GET", path, tn.key, "")
		if w.Code != 200 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		var page struct {
			Data       []ticketObject `json:"data"`
			NextCursor *string        `json:"next_cursor"`
		}
		mustUnmarshal(t, w.Body.Bytes(), &page)
		for _, tk := range page.Data {
			if seen[tk.ID] {
				t.Fatalf("ticket %d repeated", tk.TicketNumber)
			}
			if tk.TicketNumber >= last {
				t.Fatalf("ticket %d after %d", tk.TicketNumber, last)
			}
			seen[tk.ID], last = true, tk.TicketNumber
		}
		if page.NextCursor == nil {
			break
		}
		path = "/api/v1/tickets?limit=7&cursor=" + url.QueryEscape(*page.NextCursor)
		// Let at least one ticket be created between any two pages.
		for n := made.Load(); made.Load() == n && !t.Failed(); {
			time.Sleep(time.Millisecond)
		}
	}
	close(stop)
	wg.Wait()
	for id := range initial {
		if !seen[id] {
			t.Fatalf("ticket %s skipped", id)
		}
	}
	if last != 1 {
		t.Fatalf("paging ended at ticket %d, not 1", last)
	}
	if made.Load() < 9 {
		t.Fatalf("only %d tickets were created while paging", made.Load())
	}
	t.Logf("paged %d tickets while %d were created", len(seen), made.Load())
}
