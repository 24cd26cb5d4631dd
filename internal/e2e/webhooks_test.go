package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/config"
)

// hookReceiver is a webhook receiver on a loopback port: it records the
// event type of every request and answers 202 with a short JSON body.
type hookReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
}

func newHookReceiver(t *testing.T) *hookReceiver {
	t.Helper()
	r := &hookReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, string(b))
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"received":true,"queue":"tickets"}`)
	}))
	t.Cleanup(r.Close)
	return r
}

// got reports whether a request whose body contains s has arrived.
func (r *hookReceiver) got(s string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.bodies {
		if strings.Contains(b, s) {
			return true
		}
	}
	return false
}

// TestWebhookFlow: the owner adds an endpoint for a loopback receiver in
// the browser, sends a test event and reads the receiver's answer on the
// page; a ticket created through the API is then delivered by the server's
// own dispatcher and shows up in the endpoint's delivery log.
func TestWebhookFlow(t *testing.T) {
	t.Parallel()
	srv := startServer(t, func(c *config.Config) { c.WebhookAllowPrivate = true })
	rcv := newHookReceiver(t)
	tb := newTab(t, srv.url, flowTimeout)
	tb.signup("Maya Okafor", "maya@northwind.example", "Northwind Outfitters")
	key := tb.createKey("Shop backend")

	tb.open("/integrations")
	tb.click("#webhooks-link")
	tb.wantPage("/integrations/webhooks", "Webhooks")
	tb.audit()
	tb.click("#empty-add-webhook")
	tb.wantPage("/integrations/webhooks/new", "Add a webhook endpoint")
	tb.audit()
	hook := rcv.URL + "/tixallo/webhooks"
	tb.fill("#webhook-url", hook)
	tb.fill("#webhook-description", "Order system")
	if st := tb.click("#webhook-submit"); st != http.StatusOK {
		t.Fatalf("add endpoint: status %d", st)
	}
	if got := tb.text("h1"); got != hook {
		t.Fatalf("endpoint page h1 %q", got)
	}
	id := tb.attr("#webhook-settings", "data-endpoint-id")
	tb.wantPage("/integrations/webhooks/"+id, "")
	tb.audit()

	if st := tb.click("#send-test"); st != http.StatusOK {
		t.Fatalf("send test: status %d", st)
	}
	tb.audit()
	if got := tb.text("#webhook-test-result [data-test=test-result]"); got != "202 Accepted" {
		t.Errorf("test result %q", got)
	}
	if got := tb.text("#webhook-test-result [data-test=test-latency]"); !strings.HasSuffix(got, "ms") {
		t.Errorf("test latency %q", got)
	}
	if got := tb.text("#webhook-test-result [data-test=test-response]"); !strings.Contains(got, `"queue":"tickets"`) {
		t.Errorf("test response %q", got)
	}
	if !rcv.got(`"event_type":"webhook.test"`) {
		t.Error("the receiver did not get the test event")
	}

	r := srv.api(t, "POST", "/api/v1/tickets", key, map[string]any{
		"subject":        "Tent pole snapped on first trip",
		"description":    "The main pole of my Summit 2 tent snapped at the joint on the first night.",
		"customer_email": "sam.ito@example.net",
	})
	if r.status != http.StatusCreated {
		t.Fatalf("create ticket: %d %s", r.status, r.body)
	}
	// The dispatcher runs inside the server; reload until the log shows it.
	delivered := `[...document.querySelectorAll('#webhook-deliveries tr[data-test=delivery-row][data-state=succeeded] [data-test=delivery-event-type]')].some(c => c.textContent.trim() === 'ticket.created')`
	attempted := `[...document.querySelectorAll('#webhook-attempts tr[data-test=attempt-row][data-status="202"] [data-test=attempt-event-type]')].some(c => c.textContent.trim() === 'ticket.created')`
	deadline := time.Now().Add(15 * time.Second)
	for {
		tb.open("/integrations/webhooks/" + id)
		if eval[bool](tb, delivered) && eval[bool](tb, attempted) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no delivered ticket.created in the log after 15 s; the receiver got it: %v", rcv.got(`"event_type":"ticket.created"`))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !rcv.got(`"subject":"Tent pole snapped on first trip"`) {
		t.Error("the receiver did not get the ticket")
	}
	tb.audit()
	// The screenshot shows a test result above the log.
	if st := tb.click("#send-test"); st != http.StatusOK {
		t.Fatalf("send test: status %d", st)
	}
	tb.screenshot("webhook-endpoint")
}
