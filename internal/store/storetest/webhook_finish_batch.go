package storetest

import (
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// FinishWebhookDeliveries answers for each delivery of a batch what
// FinishWebhookDelivery would have: written and released where the lease
// holds, left to the new holder where it is lost (the attempt logged all
// the same), nothing where the delivery is gone or names another
// workspace.
func testWebhookFinishBatch(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	a := seed(t, s, "alpha")
	b := seed(t, s, "beta")
	ep := webhookEndpoint(a, 1)
	createEndpoints(t, s, &ep)
	evs := []helpdesk.Event{fanEvent(a, 30), fanEvent(a, 31), fanEvent(a, 32)}
	createEvents(t, s, &evs[0], &evs[1], &evs[2])
	lost, won, abandoned := delivery(&ep, &evs[0], at(40)), delivery(&ep, &evs[1], at(40)), delivery(&ep, &evs[2], at(40))
	pruned := delivery(&ep, &a.Event, at(40))
	inTx(t, s, func(tx helpdesk.Tx) error {
		return tx.CreateWebhookDeliveries(ctx, []helpdesk.Delivery{lost, won, abandoned, pruned})
	})
	finish := func(fs ...helpdesk.FinishedDelivery) []bool {
		t.Helper()
		var held []bool
		inTx(t, s, func(tx helpdesk.Tx) error {
			var err error
			held, err = tx.FinishWebhookDeliveries(ctx, fs)
			return err
		})
		return held
	}
	stalled := claimByID(t, s, at(100), "stalled")
	taker := claimByID(t, s, at(130), "taker") // the stalled claim's leases have expired
	if len(stalled) != 4 || len(taker) != 4 {
		t.Fatalf("claims: %d and %d deliveries, want 4 and 4", len(stalled), len(taker))
	}

	late := stalled[lost.ID]
	lateAttempt := attemptOf(&late, 1, 429, at(101))
	late.State, late.Attempts, late.NextAt, late.LastAttemptAt, late.LastStatus, late.UpdatedAt =
		helpdesk.DeliveryPending, 1, at(200), new(at(101)), 429, at(131)
	ok := taker[won.ID]
	okAttempt := attemptOf(&ok, 1, 204, at(131))
	ok.State, ok.Attempts, ok.LastAttemptAt, ok.LastStatus, ok.UpdatedAt =
		helpdesk.DeliverySucceeded, 1, new(at(131)), 204, at(132)
	left := taker[abandoned.ID]
	left.NextAt, left.UpdatedAt = at(132), at(132)
	foreign := taker[pruned.ID]
	foreign.WorkspaceID = b.WS.ID
	fs := []helpdesk.FinishedDelivery{
		{Delivery: &late, Attempt: lateAttempt},
		{Delivery: &ok, Attempt: okAttempt},
		{Delivery: &left},
		{Delivery: &foreign, Attempt: attemptOf(&foreign, 1, 500, at(133))},
	}
	equal(t, "leases held", finish(fs...), []bool{false, true, true, false})
	if ok.Lease != "" || ok.LockedUntil != nil || left.Lease != "" {
		t.Errorf("finished deliveries keep their lease on the value: %s, %s", show(ok), show(left))
	}
	if late.Lease != "stalled" {
		t.Errorf("a lost lease was taken off the value: %s", show(late))
	}

	as, err := s.WebhookAttempts(ctx, a.WS.ID, ep.ID, helpdesk.WebhookPage{})
	noErr(t, err)
	equal(t, "attempts logged", as, []helpdesk.DeliveryAttempt{*okAttempt, *lateAttempt})
	as, err = s.WebhookAttempts(ctx, b.WS.ID, ep.ID, helpdesk.WebhookPage{})
	noErr(t, err)
	if len(as) != 0 {
		t.Errorf("an attempt reached another workspace's log: %s", show(as))
	}
	ds, err := s.WebhookDeliveries(ctx, a.WS.ID, ep.ID, helpdesk.WebhookPage{})
	noErr(t, err)
	for _, d := range ds {
		switch d.ID {
		case lost.ID, pruned.ID:
			if d.Lease != "taker" || d.Attempts != 0 || d.LastAttemptAt != nil {
				t.Errorf("a delivery whose lease was not held changed: %s", show(d))
			}
		case won.ID:
			if d.State != helpdesk.DeliverySucceeded || d.LastStatus != 204 || d.Lease != "" || d.LockedUntil != nil {
				t.Errorf("the held delivery's outcome: %s", show(d))
			}
		case abandoned.ID:
			if d.State != helpdesk.DeliveryPending || d.Attempts != 0 || d.Lease != "" || !d.NextAt.Equal(at(132)) {
				t.Errorf("the abandoned delivery: %s", show(d))
			}
		}
	}

	// The delivery's event is pruned while the attempt runs: nothing to log
	// it against.
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.DeleteEventsBefore(ctx, at(15)) })
	gone := taker[pruned.ID]
	equal(t, "lease of a deleted delivery", finish(helpdesk.FinishedDelivery{Delivery: &gone,
		Attempt: attemptOf(&gone, 1, 500, at(134))}), []bool{false})
	as, err = s.WebhookAttempts(ctx, a.WS.ID, ep.ID, helpdesk.WebhookPage{})
	noErr(t, err)
	if len(as) != 2 {
		t.Errorf("an attempt of a deleted delivery was logged: %d lines", len(as))
	}
}
