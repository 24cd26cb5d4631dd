package web

import (
	"net/http"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

type webhooksData struct {
	Endpoints []helpdesk.WebhookEndpoint
}

// webhooks lists the workspace's webhook endpoints (owners and admins).
func (a *App) webhooks(w http.ResponseWriter, r *http.Request) error {
	eps, err := a.svc.WebhookEndpoints(r.Context(), stateOf(r).auth.Workspace.ID)
	if err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "webhooks", &view{Title: "Webhooks", Nav: "integrations", Data: webhooksData{Endpoints: eps}})
	return nil
}
