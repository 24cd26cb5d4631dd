package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// attemptOf returns the log line of an attempt of d made at t.
func attemptOf(d *helpdesk.Delivery, n, status int, t time.Time) *helpdesk.DeliveryAttempt {
	return &helpdesk.DeliveryAttempt{ID: newID(), WorkspaceID: d.WorkspaceID, EndpointID: d.EndpointID,
		DeliveryID: d.ID, EventID: d.EventID, EventType: d.EventType, Attempt: n, StatusCode: status,
		Latency: 2500 * time.Microsecond, Response: "busy", CreatedAt: t}
}

// A dispatcher that finishes an attempt after its lease expired (another
// one re-claimed the delivery meanwhile) cannot change the delivery, but the
// attempt it made is in the log all the same; the delivery stays with the
// new lease holder. An attempt of a delivery that is gone is not logged, and
// neither is one that names another workspace.
func testWebhookLostLease(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	a := seed(t, s, "alpha")
	b := seed(t, s, "beta")
	ep := webhookEndpoint(a, 1)
	createEndpoints(t, s, &ep)
	ev := helpdesk.Event{ID: newID(), WorkspaceID: a.WS.ID, Type: helpdesk.EventTicketCreated,
		Payload: json.RawMessage(`{"n": 1}`), CreatedAt: at(30)}
	kept := delivery(&ep, &ev, at(40))
	pruned := delivery(&ep, &a.Event, at(40)) // its event goes before the attempt ends
	inTx(t, s, func(tx helpdesk.Tx) error {
		if err := tx.CreateEvent(ctx, &ev); err != nil {
			return err
		}
		return tx.CreateWebhookDeliveries(ctx, []helpdesk.Delivery{kept, pruned})
	})
	// finish commits whatever finishing wrote, as the
	// dispatcher does: a lost lease is its answer, not a reason to roll
	// back the rest of the batch.
	finish := func(d helpdesk.Delivery, a *helpdesk.DeliveryAttempt) (err error) {
		t.Helper()
		inTx(t, s, func(tx helpdesk.Tx) error {
			err = finishOne(ctx, tx, &d, a)
			return nil
		})
		return err
	}
	attempts := func() []helpdesk.DeliveryAttempt {
		t.Helper()
		as, err := s.WebhookAttempts(ctx, a.WS.ID, ep.ID, helpdesk.WebhookPage{})
		noErr(t, err)
		return as
	}

	first := claimByID(t, s, at(100), "stalled")
	if len(first) != 2 {
		t.Fatalf("first claim: %s", show(first))
	}
	// The first dispatcher stalls past its lease; a second one takes over.
	second := claimByID(t, s, at(130), "taker")
	if len(second) != 2 {
		t.Fatalf("claim after the lease expired: %s", show(second))
	}

	// The stalled dispatcher's attempt ends: a 429, logged, but the delivery
	// is the taker's.
	late := first[kept.ID]
	lateAttempt := attemptOf(&late, 1, 429, at(101))
	late.State, late.Attempts, late.NextAt = helpdesk.DeliveryPending, 1, at(200)
	late.LastAttemptAt, late.LastStatus, late.UpdatedAt = new(at(101)), 429, at(131)
	wantConflict(t, "FinishWebhookDelivery with an expired lease", finish(late, lateAttempt))
	equal(t, "the lost-lease attempt is logged", attempts(), []helpdesk.DeliveryAttempt{*lateAttempt})
	ds, err := s.WebhookDeliveries(ctx, a.WS.ID, ep.ID, helpdesk.WebhookPage{})
	noErr(t, err)
	for _, d := range ds {
		if d.Lease != "taker" || d.State != helpdesk.DeliveryPending || d.Attempts != 0 || d.LastAttemptAt != nil {
			t.Errorf("a lost lease changed the delivery: %s", show(d))
		}
	}

	// The taker finishes: its outcome and its attempt are written.
	won := second[kept.ID]
	wonAttempt := attemptOf(&won, 1, 204, at(131))
	won.State, won.Attempts, won.LastAttemptAt, won.LastStatus, won.UpdatedAt =
		helpdesk.DeliverySucceeded, 1, new(at(131)), 204, at(132)
	noErr(t, finish(won, wonAttempt))
	equal(t, "the lease holder's attempt is logged too", attempts(),
		[]helpdesk.DeliveryAttempt{*wonAttempt, *lateAttempt})
	ds, err = s.WebhookDeliveries(ctx, a.WS.ID, ep.ID, helpdesk.WebhookPage{})
	noErr(t, err)
	for _, d := range ds {
		if d.ID == kept.ID && (d.State != helpdesk.DeliverySucceeded || d.LastStatus != 204 || d.Lease != "") {
			t.Errorf("the lease holder's outcome: %s", show(d))
		}
	}

	// Abandoned at shutdown with the lease lost: no line, nothing changed.
	wantConflict(t, "FinishWebhookDelivery without an attempt, lease lost", finish(first[pruned.ID], nil))

	// Another workspace's delivery id: neither the delivery nor the log of
	// either workspace changes.
	foreign := second[pruned.ID]
	foreign.WorkspaceID = b.WS.ID
	foreignAttempt := attemptOf(&foreign, 1, 500, at(133))
	wantConflict(t, "FinishWebhookDelivery in another workspace", finish(foreign, foreignAttempt))
	if n := len(attempts()); n != 2 {
		t.Errorf("an attempt of another workspace reached the log: %d lines", n)
	}

	// The delivery's event is pruned while the attempt runs: nothing to log
	// it against, and no error but the conflict.
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.DeleteEventsBefore(ctx, at(15)) })
	gone := second[pruned.ID]
	wantConflict(t, "FinishWebhookDelivery of a deleted delivery", finish(gone, attemptOf(&gone, 1, 500, at(134))))
	if n := len(attempts()); n != 2 {
		t.Errorf("an attempt of a deleted delivery was logged: %d lines", n)
	}
}
