package web_test

import (
	"net/http"
	"testing"
)

func TestWebhooksPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := e.team("Hooks")
	if r := tm.agent.get("/integrations/webhooks"); r.status != http.StatusForbidden {
		t.Errorf("agent got %d", r.status)
	}
	p := tm.owner.get("/integrations/webhooks").wantStatus(http.StatusOK)
	checkPage(t, "webhooks", p)
	p.must("#webhooks-empty")
	tm.owner.get("/integrations").wantStatus(http.StatusOK).must("#webhooks-link")
	tm.admin.get("/integrations/webhooks").wantStatus(http.StatusOK)
}
