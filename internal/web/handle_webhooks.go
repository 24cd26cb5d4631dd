package web

import (
	"net/http"
	"slices"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// Webhook pages: the list, the create and edit form (this file), one
// endpoint with its delivery log (handle_webhooks_endpoint.go), and the
// actions on it (handle_webhooks_actions.go). All are for owners and admins;
// routes.go puts them behind a.manager.

// webhookNotices are the confirmations a redirect to a webhook page can ask
// for with ?notice=…; like notices, only these fixed texts can appear.
var webhookNotices = map[string]string{
	"webhook_created":  "Endpoint created. Reveal its signing secret to verify deliveries, and send a test event.",
	"webhook_saved":    "Endpoint saved.",
	"webhook_disabled": "Endpoint disabled. Nothing is sent to it until it is enabled again.",
	"webhook_enabled":  "Endpoint enabled. Pending deliveries resume; events from while it was disabled are not sent.",
	"webhook_deleted":  "Endpoint deleted, with its delivery log.",
	"webhook_resent":   "Event queued for delivery again.",
}

// webhookNotice is the notice a webhook page asked for, or "".
func webhookNotice(r *http.Request) string {
	return webhookNotices[r.URL.Query().Get("notice")]
}

// webhookFormStatus answers a webhook form whose input the service refused,
// as every form of the app does.
const webhookFormStatus = http.StatusBadRequest

type webhooksData struct {
	Endpoints []helpdesk.WebhookEndpoint
}

// webhooks lists the workspace's webhook endpoints (owners and admins).
func (a *App) webhooks(w http.ResponseWriter, r *http.Request) error {
	eps, err := a.svc.WebhookEndpoints(r.Context(), stateOf(r).auth.Workspace.ID)
	if err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "webhooks", &view{
		Title: "Webhooks", Nav: "integrations", Notice: webhookNotice(r),
		Data: webhooksData{Endpoints: eps},
	})
	return nil
}

// webhookFormData is the create and edit form: Endpoint is nil when
// creating.
type webhookFormData struct {
	Endpoint *helpdesk.WebhookEndpoint
	Action   string
	Events   []eventChoice
}

// eventChoice is one event type checkbox.
type eventChoice struct {
	Type    string
	ID      string // the checkbox's element id
	Checked bool
}

// eventChoices lists every event type with the checked ones marked.
func eventChoices(checked []string) []eventChoice {
	out := make([]eventChoice, 0, len(helpdesk.EventTypes))
	for _, t := range helpdesk.EventTypes {
		out = append(out, eventChoice{Type: t, ID: "webhook-event-" + cssID(t), Checked: slices.Contains(checked, t)})
	}
	return out
}

// cssID turns an event type like ticket.message.created into a string that
// is safe in an element id and a CSS selector.
func cssID(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '.' || c == '_' {
			b[i] = '-'
		}
	}
	return string(b)
}

func (a *App) newWebhookPage(w http.ResponseWriter, r *http.Request) error {
	f := newForm("webhook", nil)
	// A new endpoint hears about everything until told otherwise.
	f.Values["event_types"] = slices.Clone(helpdesk.EventTypes)
	return a.showWebhookForm(w, r, http.StatusOK, f, nil)
}

func (a *App) showWebhookForm(w http.ResponseWriter, r *http.Request, status int, f *form, e *helpdesk.WebhookEndpoint) error {
	d := webhookFormData{Endpoint: e, Action: "/integrations/webhooks/new", Events: eventChoices(f.Values["event_types"])}
	title := "Add a webhook endpoint"
	if e != nil {
		d.Action = "/integrations/webhooks/" + e.ID + "/edit"
		title = "Edit webhook endpoint"
	}
	a.render(w, r, status, "webhook_form", &view{Title: title, Nav: "integrations", Form: f, Data: d})
	return nil
}

func webhookInput(f *form) helpdesk.WebhookEndpointInput {
	return helpdesk.WebhookEndpointInput{
		URL: f.Get("url"), Description: f.Get("description"), EventTypes: f.Values["event_types"],
	}
}

// createWebhook saves a new endpoint. A refused URL (the egress guard's
// save-time check) is a field error like any other, with what was typed
// kept.
func (a *App) createWebhook(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	f := newForm("webhook", r)
	e, err := a.svc.CreateWebhookEndpoint(r.Context(), st.auth.Workspace.ID, st.auth.Actor(st.ip), webhookInput(f))
	if err != nil {
		if f.invalid(err, nil) {
			return a.showWebhookForm(w, r, webhookFormStatus, f, nil)
		}
		return err
	}
	http.Redirect(w, r, "/integrations/webhooks/"+e.ID+"?notice=webhook_created", http.StatusSeeOther)
	return nil
}

func (a *App) editWebhookPage(w http.ResponseWriter, r *http.Request) error {
	e, err := a.svc.WebhookEndpoint(r.Context(), stateOf(r).auth.Workspace.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm("webhook", nil)
	f.Values.Set("url", e.URL)
	f.Values.Set("description", e.Description)
	f.Values["event_types"] = slices.Clone(e.EventTypes)
	return a.showWebhookForm(w, r, http.StatusOK, f, e)
}

func (a *App) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	ws := st.auth.Workspace.ID
	f := newForm("webhook", r)
	e, err := a.svc.UpdateWebhookEndpoint(r.Context(), ws, r.PathValue("id"), st.auth.Actor(st.ip), webhookInput(f))
	if err != nil {
		if f.invalid(err, nil) {
			cur, err := a.svc.WebhookEndpoint(r.Context(), ws, r.PathValue("id"))
			if err != nil {
				return err
			}
			return a.showWebhookForm(w, r, webhookFormStatus, f, cur)
		}
		return err
	}
	http.Redirect(w, r, "/integrations/webhooks/"+e.ID+"?notice=webhook_saved", http.StatusSeeOther)
	return nil
}
