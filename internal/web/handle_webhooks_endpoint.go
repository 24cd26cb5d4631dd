package web

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// webhookLogPage is how many deliveries, and how many attempts, one page of
// an endpoint's log shows.
const webhookLogPage = 25

type webhookData struct {
	Endpoint helpdesk.WebhookEndpoint
	// PreviousUntil is when the secret before the last rotation stops
	// signing; nil when no rotation is under way.
	PreviousUntil *time.Time
	Deliveries    []deliveryRow
	Attempts      []attemptRow
	// Paging: each table pages on its own; NewestURL returns to the first
	// page of both.
	OlderDeliveries string
	OlderAttempts   string
	NewestURL       string
	// Test is the test event just sent, shown above the log.
	Test *attemptRow
}

// deliveryRow is one event on its way to the endpoint.
type deliveryRow struct {
	helpdesk.Delivery
	Result string // of the last attempt, "" before the first
}

// attemptRow is one line of the attempt log, formatted for people.
type attemptRow struct {
	helpdesk.DeliveryAttempt
	Result  string // "202 Accepted", or why no response arrived
	Latency string
	IsTest  bool
}

func newAttemptRow(at helpdesk.DeliveryAttempt) attemptRow {
	return attemptRow{
		DeliveryAttempt: at,
		Result:          attemptResult(at.StatusCode, at.Error),
		Latency:         formatLatency(at.Latency),
		IsTest:          at.EventType == helpdesk.EventWebhookTest,
	}
}

// attemptResult is the status line of an attempt, or its transport error.
func attemptResult(status int, errText string) string {
	switch {
	case status != 0:
		if t := http.StatusText(status); t != "" {
			return fmt.Sprintf("%d %s", status, t)
		}
		return fmt.Sprint(status)
	case errText != "":
		return errText
	}
	return ""
}

// formatLatency keeps a fraction where it matters: loopback receivers answer
// in well under a millisecond, real ones in tens or hundreds.
func formatLatency(d time.Duration) string {
	switch {
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// pageCursor reads a paging cursor: empty, or the id of the last row of the
// previous page.
func pageCursor(q url.Values, name string) (string, error) {
	c := q.Get(name)
	if c == "" {
		return "", nil
	}
	if _, err := uuid.Parse(c); err != nil {
		return "", helpdesk.Errorf(helpdesk.EInvalid, "Unknown page")
	}
	return c, nil
}

// webhookPage shows one endpoint: its settings and status, the secret and
// test controls, and its delivery log.
func (a *App) webhookPage(w http.ResponseWriter, r *http.Request) error {
	return a.showWebhook(w, r, nil)
}

// showWebhook renders the endpoint page; test is the result of a test event
// sent by this request, or nil.
func (a *App) showWebhook(w http.ResponseWriter, r *http.Request, test *attemptRow) error {
	ctx, ws, id := r.Context(), stateOf(r).auth.Workspace.ID, r.PathValue("id")
	e, err := a.svc.WebhookEndpoint(ctx, ws, id)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	beforeAttempt, err := pageCursor(q, "before")
	if err != nil {
		return err
	}
	beforeDelivery, err := pageCursor(q, "deliveries_before")
	if err != nil {
		return err
	}
	// One more than a page tells whether an older page exists.
	ds, err := a.svc.WebhookDeliveries(ctx, ws, e.ID, helpdesk.WebhookPage{Before: beforeDelivery, Limit: webhookLogPage + 1})
	if err != nil {
		return err
	}
	as, err := a.svc.WebhookAttempts(ctx, ws, e.ID, helpdesk.WebhookPage{Before: beforeAttempt, Limit: webhookLogPage + 1})
	if err != nil {
		return err
	}
	base := "/integrations/webhooks/" + e.ID
	d := webhookData{Endpoint: *e, Test: test}
	if e.Rotating(a.now()) {
		d.PreviousUntil = e.PreviousExpiresAt
	}
	if len(ds) > webhookLogPage {
		ds = ds[:webhookLogPage]
		d.OlderDeliveries = base + "?deliveries_before=" + url.QueryEscape(ds[len(ds)-1].ID) + "#webhook-deliveries-title"
	}
	for _, dl := range ds {
		d.Deliveries = append(d.Deliveries, deliveryRow{Delivery: dl, Result: attemptResult(dl.LastStatus, dl.LastError)})
	}
	if len(as) > webhookLogPage {
		as = as[:webhookLogPage]
		d.OlderAttempts = base + "?before=" + url.QueryEscape(as[len(as)-1].ID) + "#webhook-attempts-title"
	}
	for _, at := range as {
		d.Attempts = append(d.Attempts, newAttemptRow(at))
	}
	if beforeAttempt != "" || beforeDelivery != "" {
		d.NewestURL = base
	}
	a.render(w, r, http.StatusOK, "webhook", &view{
		Title: "Webhook endpoint", Nav: "integrations", Notice: webhookNotice(r), Data: d,
	})
	return nil
}
