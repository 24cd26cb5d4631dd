package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// webhookEndpoint returns an endpoint of w with every field set.
func webhookEndpoint(w *world, n int) helpdesk.WebhookEndpoint {
	return helpdesk.WebhookEndpoint{
		ID: newID(), WorkspaceID: w.WS.ID, URL: fmt.Sprintf("https://hooks.example.com/%s/%d", w.WS.Slug, n),
		Description: "CRM sync", EventTypes: []string{helpdesk.EventTicketCreated, helpdesk.EventTicketClosed},
		Active: true, SecretSealed: []byte("sealed-current"), CreatedAt: at(100 + n), UpdatedAt: at(100 + n),
	}
}

func createEndpoints(t *testing.T, s helpdesk.Store, eps ...*helpdesk.WebhookEndpoint) {
	t.Helper()
	inTx(t, s, func(tx helpdesk.Tx) error {
		for _, e := range eps {
			if err := tx.CreateWebhookEndpoint(t.Context(), e); err != nil {
				return err
			}
		}
		return nil
	})
}

func testWebhookEndpoints(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	a := seed(t, s, "alpha")
	b := seed(t, s, "beta")
	e1, e2 := webhookEndpoint(a, 1), webhookEndpoint(a, 2)
	e2.EventTypes = []string{helpdesk.EventCustomerCreated}
	eb := webhookEndpoint(b, 1)
	createEndpoints(t, s, &e2, &e1, &eb)

	got, err := s.WebhookEndpoint(ctx, a.WS.ID, e1.ID)
	noErr(t, err)
	equal(t, "WebhookEndpoint round trip", got, &e1)
	_, err = s.WebhookEndpoint(ctx, b.WS.ID, e1.ID)
	wantNotFound(t, "WebhookEndpoint of another workspace", err)
	list, err := s.WebhookEndpoints(ctx, a.WS.ID)
	noErr(t, err)
	equal(t, "WebhookEndpoints (oldest first, own workspace only)", list, []helpdesk.WebhookEndpoint{e1, e2})

	// Every mutable field.
	up := e1
	up.URL, up.Description, up.EventTypes = "https://hooks.example.com/v2", "", []string{helpdesk.EventTicketUpdated}
	up.Active, up.DisabledReason, up.DisabledAt = false, "410", new(at(200))
	up.PreviousSecretSealed, up.PreviousExpiresAt, up.SecretSealed = e1.SecretSealed, new(at(300)), []byte("sealed-next")
	up.FailingSince, up.UpdatedAt = new(at(150)), at(201)
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.UpdateWebhookEndpoint(ctx, &up) })
	got, err = s.WebhookEndpoint(ctx, a.WS.ID, e1.ID)
	noErr(t, err)
	equal(t, "UpdateWebhookEndpoint", got, &up)
	foreign := up
	foreign.WorkspaceID = b.WS.ID
	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.UpdateWebhookEndpoint(ctx, &foreign) })
	wantNotFound(t, "UpdateWebhookEndpoint in another workspace", err)

	// The run of failures: the first failure's time sticks until a success.
	var since1, since2 time.Time
	inTx(t, s, func(tx helpdesk.Tx) error {
		var err error
		if since1, err = tx.RecordWebhookFailure(ctx, a.WS.ID, e2.ID, at(400)); err != nil {
			return err
		}
		since2, err = tx.RecordWebhookFailure(ctx, a.WS.ID, e2.ID, at(500))
		return err
	})
	equal(t, "RecordWebhookFailure starts a run", since1, at(400))
	equal(t, "RecordWebhookFailure keeps the run's start", since2, at(400))
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.RecordWebhookSuccess(ctx, a.WS.ID, e2.ID) })
	got, err = s.WebhookEndpoint(ctx, a.WS.ID, e2.ID)
	noErr(t, err)
	if got.FailingSince != nil {
		t.Errorf("RecordWebhookSuccess left failing since %v", got.FailingSince)
	}
	err = s.InTx(ctx, func(tx helpdesk.Tx) error {
		_, err := tx.RecordWebhookFailure(ctx, b.WS.ID, e2.ID, at(600))
		return err
	})
	wantNotFound(t, "RecordWebhookFailure in another workspace", err)
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.RecordWebhookSuccess(ctx, a.WS.ID, newID()) })

	inTx(t, s, func(tx helpdesk.Tx) error {
		return tx.DisableWebhookEndpoint(ctx, a.WS.ID, e2.ID, "Disabled by Tixallo: 410 Gone", at(700))
	})
	got, err = s.WebhookEndpoint(ctx, a.WS.ID, e2.ID)
	noErr(t, err)
	if got.Active || got.DisabledReason != "Disabled by Tixallo: 410 Gone" || got.DisabledAt == nil || !got.DisabledAt.Equal(at(700)) {
		t.Errorf("DisableWebhookEndpoint: %s", show(got))
	}

	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.DeleteWebhookEndpoint(ctx, b.WS.ID, e2.ID) })
	wantNotFound(t, "DeleteWebhookEndpoint in another workspace", err)
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.DeleteWebhookEndpoint(ctx, a.WS.ID, e2.ID) })
	_, err = s.WebhookEndpoint(ctx, a.WS.ID, e2.ID)
	wantNotFound(t, "deleted endpoint", err)
}

// delivery returns a pending delivery of ev to ep, due at due.
func delivery(ep *helpdesk.WebhookEndpoint, ev *helpdesk.Event, due time.Time) helpdesk.Delivery {
	return helpdesk.Delivery{ID: newID(), WorkspaceID: ep.WorkspaceID, EndpointID: ep.ID, EventID: ev.ID,
		EventType: ev.Type, State: helpdesk.DeliveryPending, NextAt: due, CreatedAt: at(14), UpdatedAt: at(14)}
}

// fanEvent returns a new event of w at second n.
func fanEvent(w *world, n int) helpdesk.Event {
	return helpdesk.Event{ID: newID(), WorkspaceID: w.WS.ID, Type: helpdesk.EventTicketCreated,
		Payload: json.RawMessage(`{"n":` + fmt.Sprint(n) + `}`), CreatedAt: at(n)}
}

func createEvents(t *testing.T, s helpdesk.Store, evs ...*helpdesk.Event) {
	t.Helper()
	inTx(t, s, func(tx helpdesk.Tx) error {
		for _, e := range evs {
			if err := tx.CreateEvent(t.Context(), e); err != nil {
				return err
			}
		}
		return nil
	})
}

func unfanned(t *testing.T, s helpdesk.Store, limit int) []helpdesk.Event {
	t.Helper()
	var evs []helpdesk.Event
	inTx(t, s, func(tx helpdesk.Tx) (err error) {
		evs, err = tx.UnfannedEvents(t.Context(), limit)
		return err
	})
	return evs
}

func testWebhookFanOut(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	a := seed(t, s, "alpha")
	b := seed(t, s, "beta")
	c := seed(t, s, "gamma")
	// The seeded events came before any endpoint, so they had nowhere to
	// go and were written done; so is an event of a workspace whose only
	// endpoint is disabled.
	ep, epB, off := webhookEndpoint(a, 1), webhookEndpoint(b, 1), webhookEndpoint(c, 1)
	off.Active = false
	createEndpoints(t, s, &ep, &epB, &off)
	evA, evB, evC := fanEvent(a, 16), fanEvent(b, 17), fanEvent(c, 18)
	createEvents(t, s, &evA, &evB, &evC)

	evs := unfanned(t, s, 0)
	if len(evs) != 2 || evs[0].ID != evA.ID || evs[1].ID != evB.ID {
		t.Fatalf("UnfannedEvents: %s, want the events of the two workspaces with an active endpoint, oldest first", show(evs))
	}
	if evs[0].Seq != evA.Seq || evs[0].WorkspaceID != a.WS.ID || evs[0].Type != evA.Type || !evs[0].CreatedAt.Equal(evA.CreatedAt) {
		t.Errorf("UnfannedEvents row: %s", show(evs[0]))
	}
	if got := unfanned(t, s, 1); len(got) != 1 {
		t.Errorf("UnfannedEvents limit 1: %d rows", len(got))
	}

	d := delivery(&ep, &a.Event, at(20))
	inTx(t, s, func(tx helpdesk.Tx) error {
		if err := tx.CreateWebhookDeliveries(ctx, []helpdesk.Delivery{d}); err != nil {
			return err
		}
		// Fanning out twice creates nothing more.
		again := delivery(&ep, &a.Event, at(21))
		if err := tx.CreateWebhookDeliveries(ctx, []helpdesk.Delivery{again}); err != nil {
			return err
		}
		return tx.MarkEventsFannedOut(ctx, []int64{evA.Seq})
	})
	if got := unfanned(t, s, 0); len(got) != 1 || got[0].ID != evB.ID {
		t.Errorf("after MarkEventsFannedOut: %s", show(got))
	}
	ds, err := s.WebhookDeliveries(ctx, a.WS.ID, ep.ID, helpdesk.WebhookPage{})
	noErr(t, err)
	equal(t, "WebhookDeliveries after a double fan-out", ds, []helpdesk.Delivery{d})
	pending, waiting, err := s.WebhookBacklog(ctx)
	noErr(t, err)
	if pending != 1 || waiting != 1 {
		t.Errorf("WebhookBacklog = %d pending, %d unfanned; want 1, 1", pending, waiting)
	}
	// Enabling the endpoint makes the workspace's next events wait for
	// fan-out.
	on := off
	on.Active, on.UpdatedAt = true, at(19)
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.UpdateWebhookEndpoint(ctx, &on) })
	evC2 := fanEvent(c, 19)
	createEvents(t, s, &evC2)
	if got := unfanned(t, s, 0); len(got) != 2 || got[0].ID != evB.ID || got[1].ID != evC2.ID {
		t.Errorf("after enabling an endpoint: %s, want %s and %s", show(got), evB.ID, evC2.ID)
	}
	ev, err := s.EventByID(ctx, a.WS.ID, a.Event.ID)
	noErr(t, err)
	equal(t, "EventByID", ev, &a.Event)
	_, err = s.EventByID(ctx, b.WS.ID, a.Event.ID)
	wantNotFound(t, "EventByID of another workspace", err)

	// Pruning the event takes its deliveries with it.
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.DeleteEventsBefore(ctx, at(15)) })
	ds, err = s.WebhookDeliveries(ctx, a.WS.ID, ep.ID, helpdesk.WebhookPage{})
	noErr(t, err)
	if len(ds) != 0 {
		t.Errorf("%d deliveries outlived their event", len(ds))
	}
}

func testWebhookClaims(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	a := seed(t, s, "alpha")
	b := seed(t, s, "beta")
	ep1, ep2, off := webhookEndpoint(a, 1), webhookEndpoint(a, 2), webhookEndpoint(a, 3)
	off.Active = false
	epb := webhookEndpoint(b, 1)
	createEndpoints(t, s, &ep1, &ep2, &off, &epb)

	var evs []helpdesk.Event
	inTx(t, s, func(tx helpdesk.Tx) error {
		for i := range 6 {
			ev := helpdesk.Event{ID: newID(), WorkspaceID: a.WS.ID, Type: helpdesk.EventTicketCreated,
				Payload: json.RawMessage(fmt.Sprintf(`{"n": %d}`, i)), CreatedAt: at(30 + i)}
			if err := tx.CreateEvent(ctx, &ev); err != nil {
				return err
			}
			evs = append(evs, ev)
		}
		var ds []helpdesk.Delivery
		for i := range 4 {
			ds = append(ds, delivery(&ep1, &evs[i], at(40+i)))
		}
		ds = append(ds,
			delivery(&ep2, &evs[0], at(41)),
			delivery(&ep2, &evs[5], at(1000)), // not due
			delivery(&off, &evs[0], at(40)),   // endpoint disabled
			delivery(&epb, &b.Event, at(40)),  // another workspace: the dispatcher serves all
		)
		return tx.CreateWebhookDeliveries(ctx, ds)
	})

	// Two per endpoint, ep1 already has one in flight: one of ep1, one of
	// ep2, one of epb.
	got := claim(t, s, helpdesk.DeliveryClaim{Now: at(100), Until: at(130), Lease: "lease-1", Limit: 10, PerEndpoint: 2,
		Busy: map[string]int{ep1.ID: 1}})
	per := map[string]int{}
	for _, d := range got {
		per[d.EndpointID]++
		if d.Lease != "lease-1" || d.LockedUntil == nil || !d.LockedUntil.Equal(at(130)) {
			t.Errorf("claimed delivery without the lease: %s", show(d))
		}
		if len(d.Payload) == 0 || d.EventCreatedAt.IsZero() {
			t.Errorf("claimed delivery without payload or event time: %s", show(d))
		}
	}
	equal(t, "claimed per endpoint", per, map[string]int{ep1.ID: 1, ep2.ID: 1, epb.ID: 1})
	for _, d := range got {
		if d.EndpointID == ep1.ID && (d.EventID != evs[0].ID || string(d.Payload) != `{"n": 0}` || !d.EventCreatedAt.Equal(at(30))) {
			t.Errorf("ep1's earliest delivery first, with its payload: %s", show(d))
		}
	}
	// An endpoint at its cap is skipped entirely.
	got2 := claim(t, s, helpdesk.DeliveryClaim{Now: at(100), Until: at(130), Lease: "lease-2", Limit: 10, PerEndpoint: 2,
		Busy: map[string]int{ep1.ID: 2}})
	if len(got2) != 0 {
		t.Errorf("claim with ep1 full and the rest leased: %s", show(got2))
	}
	got3 := claim(t, s, helpdesk.DeliveryClaim{Now: at(100), Until: at(130), Lease: "lease-3", Limit: 1, PerEndpoint: 5})
	if len(got3) != 1 || got3[0].EndpointID != ep1.ID || got3[0].EventID != evs[1].ID {
		t.Fatalf("claim limit 1: %s", show(got3))
	}

	// Finishing needs the lease.
	done := got3[0]
	done.State, done.Attempts, done.LastAttemptAt, done.LastStatus, done.UpdatedAt = helpdesk.DeliverySucceeded, 1, new(at(101)), 204, at(102)
	wrong := done
	wrong.Lease = "someone-else"
	err := s.InTx(ctx, func(tx helpdesk.Tx) error { return finishOne(ctx, tx, &wrong, nil) })
	wantConflict(t, "finishing with a lease not held", err)
	inTx(t, s, func(tx helpdesk.Tx) error { return finishOne(ctx, tx, &done, nil) })
	if done.Lease != "" || done.LockedUntil != nil {
		t.Errorf("finishing left the lease on the value: %s", show(done))
	}
	again := got3[0]
	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return finishOne(ctx, tx, &again, nil) })
	wantConflict(t, "finishing twice", err)

	// Leases expire: at(130) everything leased by lease-1 is due again.
	got4 := claim(t, s, helpdesk.DeliveryClaim{Now: at(130), Until: at(1000), Lease: "lease-4", Limit: 10, PerEndpoint: 10})
	ids := map[string]bool{}
	for _, d := range got4 {
		ids[d.ID] = true
	}
	for _, d := range got {
		if !ids[d.ID] {
			t.Errorf("delivery %s not reclaimed after its lease expired", d.ID)
		}
	}
	if ids[done.ID] {
		t.Error("a finished delivery was claimed again")
	}
	if len(got4) != 5 { // 3 expired + ep1's remaining two
		t.Errorf("claim after expiry: %d deliveries, want 5", len(got4))
	}

	// Requeue: a finished delivery is pending again from scratch; a new pair
	// is inserted.
	re := delivery(&ep1, &evs[1], at(200))
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.RequeueWebhookDelivery(ctx, &re) })
	if re.ID != done.ID {
		t.Errorf("RequeueWebhookDelivery made a second delivery of one pair")
	}
	fresh := delivery(&ep2, &evs[4], at(200))
	freshID := fresh.ID
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.RequeueWebhookDelivery(ctx, &fresh) })
	if fresh.ID != freshID {
		t.Errorf("RequeueWebhookDelivery of a new pair changed its id")
	}
	got5 := claim(t, s, helpdesk.DeliveryClaim{Now: at(200), Until: at(230), Lease: "lease-5", Limit: 10, PerEndpoint: 10})
	ids = map[string]bool{}
	for _, d := range got5 {
		ids[d.ID] = true
		if d.ID == done.ID && (d.Attempts != 0 || d.State != helpdesk.DeliveryPending) {
			t.Errorf("requeued delivery: %s", show(d))
		}
	}
	if !ids[done.ID] || !ids[freshID] || len(got5) != 2 {
		t.Errorf("claim after requeue: %s", show(got5))
	}
	pending, _, err := s.WebhookBacklog(ctx)
	noErr(t, err)
	if pending != 9 {
		t.Errorf("WebhookBacklog pending = %d, want 9", pending)
	}
}

func testWebhookAttempts(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	a := seed(t, s, "alpha")
	b := seed(t, s, "beta")
	ep := webhookEndpoint(a, 1)
	createEndpoints(t, s, &ep)
	d := delivery(&ep, &a.Event, at(20))
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.CreateWebhookDeliveries(ctx, []helpdesk.Delivery{d}) })

	var want []helpdesk.DeliveryAttempt
	inTx(t, s, func(tx helpdesk.Tx) error {
		for i := range 5 {
			att := helpdesk.DeliveryAttempt{ID: newID(), WorkspaceID: a.WS.ID, EndpointID: ep.ID, DeliveryID: d.ID,
				EventID: a.Event.ID, EventType: a.Event.Type, Attempt: i + 1, StatusCode: 500, Latency: 1234567 * time.Microsecond,
				Response: "oops é", CreatedAt: at(50 + i)}
			if i == 2 {
				att.StatusCode, att.Error, att.Response = 0, "connection refused", ""
			}
			if i == 4 { // a test event: no delivery
				att.DeliveryID, att.EventType = "", helpdesk.EventWebhookTest
			}
			if err := tx.CreateWebhookAttempt(ctx, &att); err != nil {
				return err
			}
			want = append([]helpdesk.DeliveryAttempt{att}, want...)
		}
		return nil
	})
	all, err := s.WebhookAttempts(ctx, a.WS.ID, ep.ID, helpdesk.WebhookPage{})
	noErr(t, err)
	equal(t, "WebhookAttempts (newest first)", all, want)
	page, err := s.WebhookAttempts(ctx, a.WS.ID, ep.ID, helpdesk.WebhookPage{Before: want[1].ID, Limit: 2})
	noErr(t, err)
	equal(t, "WebhookAttempts page", page, want[2:4])
	other, err := s.WebhookAttempts(ctx, b.WS.ID, ep.ID, helpdesk.WebhookPage{})
	noErr(t, err)
	if len(other) != 0 {
		t.Errorf("another workspace reads %d attempts", len(other))
	}
	other2, err := s.WebhookDeliveries(ctx, b.WS.ID, ep.ID, helpdesk.WebhookPage{})
	noErr(t, err)
	if len(other2) != 0 {
		t.Errorf("another workspace reads %d deliveries", len(other2))
	}

	inTx(t, s, func(tx helpdesk.Tx) error { return tx.DeleteWebhookAttemptsBefore(ctx, at(52)) })
	all, err = s.WebhookAttempts(ctx, a.WS.ID, ep.ID, helpdesk.WebhookPage{})
	noErr(t, err)
	equal(t, "WebhookAttempts after pruning before at(52)", all, want[:3])

	// Deleting the endpoint takes its deliveries and attempts.
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.DeleteWebhookEndpoint(ctx, a.WS.ID, ep.ID) })
	all, err = s.WebhookAttempts(ctx, a.WS.ID, ep.ID, helpdesk.WebhookPage{})
	noErr(t, err)
	ds, err := s.WebhookDeliveries(ctx, a.WS.ID, ep.ID, helpdesk.WebhookPage{})
	noErr(t, err)
	if len(all) != 0 || len(ds) != 0 {
		t.Errorf("deleted endpoint left %d attempts, %d deliveries", len(all), len(ds))
	}
	pending, _, err := s.WebhookBacklog(ctx)
	noErr(t, err)
	if pending != 0 {
		t.Errorf("WebhookBacklog pending = %d after delete", pending)
	}
}

// finishOne finishes one delivery through FinishWebhookDeliveries, with
// ErrConflict for a lease that no longer held, as the conformance checks of
// one delivery at a time expect.
func finishOne(ctx context.Context, tx helpdesk.Tx, d *helpdesk.Delivery, a *helpdesk.DeliveryAttempt) error {
	held, err := tx.FinishWebhookDeliveries(ctx, []helpdesk.FinishedDelivery{{Delivery: d, Attempt: a}})
	if err != nil {
		return err
	}
	if !held[0] {
		return fmt.Errorf("finish webhook delivery %s: lease not held: %w", d.ID, helpdesk.ErrConflict)
	}
	return nil
}

// claim runs ClaimWebhookDeliveries in a transaction of its own.
func claim(t *testing.T, s helpdesk.Store, c helpdesk.DeliveryClaim) []helpdesk.Delivery {
	t.Helper()
	var got []helpdesk.Delivery
	inTx(t, s, func(tx helpdesk.Tx) (err error) {
		got, err = tx.ClaimWebhookDeliveries(t.Context(), c)
		return err
	})
	return got
}

// claimByID claims what is due at now, up to 10 (10 per endpoint), under
// lease for 30 s, and returns it by delivery id.
func claimByID(t *testing.T, s helpdesk.Store, now time.Time, lease string) map[string]helpdesk.Delivery {
	t.Helper()
	got := map[string]helpdesk.Delivery{}
	for _, d := range claim(t, s, helpdesk.DeliveryClaim{Now: now, Until: now.Add(30 * time.Second),
		Lease: lease, Limit: 10, PerEndpoint: 10}) {
		got[d.ID] = d
	}
	return got
}
