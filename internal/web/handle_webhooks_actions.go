package web

import (
	"net/http"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// setWebhookActive returns the handler that disables (active false) or
// enables an endpoint.
func (a *App) setWebhookActive(active bool) handlerFunc {
	notice := "webhook_disabled"
	if active {
		notice = "webhook_enabled"
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		st := stateOf(r)
		e, err := a.svc.SetWebhookEndpointActive(r.Context(), st.auth.Workspace.ID, r.PathValue("id"), st.auth.Actor(st.ip), active)
		if err != nil {
			return err
		}
		http.Redirect(w, r, "/integrations/webhooks/"+e.ID+"?notice="+notice, http.StatusSeeOther)
		return nil
	}
}

type webhookDeleteData struct {
	Endpoint helpdesk.WebhookEndpoint
}

func (a *App) deleteWebhookPage(w http.ResponseWriter, r *http.Request) error {
	e, err := a.svc.WebhookEndpoint(r.Context(), stateOf(r).auth.Workspace.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "webhook_delete", &view{
		Title: "Delete webhook endpoint?", Nav: "integrations", Data: webhookDeleteData{Endpoint: *e},
	})
	return nil
}

func (a *App) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	if err := a.svc.DeleteWebhookEndpoint(r.Context(), st.auth.Workspace.ID, r.PathValue("id"), st.auth.Actor(st.ip)); err != nil {
		return err
	}
	http.Redirect(w, r, "/integrations/webhooks?notice=webhook_deleted", http.StatusSeeOther)
	return nil
}

type webhookSecretData struct {
	Endpoint helpdesk.WebhookEndpoint
	Secret   string
	// Rotated says the secret is a new one; PreviousUntil is when the one
	// it replaced stops signing.
	Rotated       bool
	PreviousUntil time.Time
}

// revealWebhookSecret shows the signing secret on the response to the POST,
// never through a redirect or any URL, on a page no cache keeps. The
// service records the reveal in the audit log.
func (a *App) revealWebhookSecret(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	ws, id := st.auth.Workspace.ID, r.PathValue("id")
	secret, err := a.svc.RevealWebhookSecret(r.Context(), ws, id, st.auth.Actor(st.ip))
	if err != nil {
		return err
	}
	return a.showWebhookSecret(w, r, webhookSecretData{Secret: secret})
}

// rotateWebhookSecret gives the endpoint a new secret and shows it like a
// reveal does. The previous secret keeps signing for 24 hours.
func (a *App) rotateWebhookSecret(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	ws, id := st.auth.Workspace.ID, r.PathValue("id")
	secret, err := a.svc.RotateWebhookSecret(r.Context(), ws, id, st.auth.Actor(st.ip))
	if err != nil {
		return err
	}
	return a.showWebhookSecret(w, r, webhookSecretData{Secret: secret, Rotated: true})
}

func (a *App) showWebhookSecret(w http.ResponseWriter, r *http.Request, d webhookSecretData) error {
	e, err := a.svc.WebhookEndpoint(r.Context(), stateOf(r).auth.Workspace.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	d.Endpoint = *e
	if e.PreviousExpiresAt != nil {
		d.PreviousUntil = *e.PreviousExpiresAt
	}
	w.Header().Set("Cache-Control", "no-store")
	title := "Signing secret"
	if d.Rotated {
		title = "New signing secret"
	}
	a.render(w, r, http.StatusOK, "webhook_secret", &view{Title: title, Nav: "integrations", Data: d})
	return nil
}

// sendTestWebhook sends a webhook.test event now and shows the receiver's
// answer on the endpoint page. The attempt is in the delivery log too.
func (a *App) sendTestWebhook(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	at, err := a.svc.SendTestWebhook(r.Context(), st.auth.Workspace.ID, r.PathValue("id"), st.auth.Actor(st.ip))
	if err != nil {
		return err
	}
	row := newAttemptRow(*at)
	return a.showWebhook(w, r, &row)
}

// resendWebhookEvent queues one event for the endpoint again; the attempt
// shows up in the log once the dispatcher has made it.
func (a *App) resendWebhookEvent(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	id := r.PathValue("id")
	if _, err := a.svc.ResendWebhookEvent(r.Context(), st.auth.Workspace.ID, id, r.PostForm.Get("event_id"), st.auth.Actor(st.ip)); err != nil {
		return err
	}
	http.Redirect(w, r, "/integrations/webhooks/"+id+"?notice=webhook_resent", http.StatusSeeOther)
	return nil
}
