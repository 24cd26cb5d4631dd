package helpdesk_test

import (
	"sync/atomic"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TestWebhookWakeForEvents: after a commit that wrote events the Service
// wakes the in-process dispatcher on SQLite, whose store announces nothing;
// on PostgreSQL the store wakes every instance's dispatcher itself, and
// only for workspaces with an active endpoint, so the Service leaves it to
// the store. Without that, every ticket of a workspace without webhooks
// made the dispatcher run a cycle that found nothing.
func TestWebhookWakeForEvents(t *testing.T) {
	f := newFixture(t)
	var wakes atomic.Int64
	svc := helpdesk.NewService(f.store, helpdesk.Options{Now: f.clock, OnWebhookWork: func() { wakes.Add(1) }})
	ctx := t.Context()
	cw, err := svc.CreateWorkspace(ctx, helpdesk.NewWorkspace{Name: "Quiet"}, "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	before := wakes.Load()
	if _, err := svc.CreateTicket(ctx, cw.Workspace.ID, helpdesk.NewTicket{Subject: "Hello", Description: "d",
		CustomerEmail: "ada@example.com", Source: helpdesk.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	got := wakes.Load() - before
	_, storeWakes := f.store.(helpdesk.EventWaker)
	want := int64(1)
	if storeWakes {
		want = 0
	}
	if got != want {
		t.Fatalf("a ticket's events woke the in-process dispatcher %d times (store announces events: %v), want %d",
			got, storeWakes, want)
	}
}
