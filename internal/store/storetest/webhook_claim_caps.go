package storetest

import (
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// An endpoint at its cap must not crowd the others out of a claim, however
// many of the earliest due deliveries are its own; and what the caller has
// in flight at an endpoint counts against that endpoint's share.
func testWebhookClaimCaps(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	a := seed(t, s, "alpha")
	busy, quiet := webhookEndpoint(a, 1), webhookEndpoint(a, 2)
	createEndpoints(t, s, &busy, &quiet)

	var ds []helpdesk.Delivery
	for i := range 8 {
		ev := fanEvent(a, 20+i)
		createEvents(t, s, &ev)
		ds = append(ds, delivery(&busy, &ev, at(40+i)))
	}
	for i := range 2 {
		ev := fanEvent(a, 30+i)
		createEvents(t, s, &ev)
		ds = append(ds, delivery(&quiet, &ev, at(60+i)))
	}
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.CreateWebhookDeliveries(ctx, ds) })

	ids := func(got []helpdesk.Delivery) []string {
		out := make([]string, 0, len(got))
		for _, d := range got {
			out = append(out, d.ID)
		}
		return out
	}

	// The busy endpoint's eight deliveries come first, and a claim of one
	// reads only a few more than it needs; at its cap they are passed over.
	got := claim(t, s, helpdesk.DeliveryClaim{Now: at(100), Until: at(130), Lease: "caps-1", Limit: 1, PerEndpoint: 2,
		Busy: map[string]int{busy.ID: 2}})
	equal(t, "claim with the busy endpoint at its cap", ids(got), []string{ds[8].ID})

	// One slot left at the busy endpoint: its earliest delivery, then the
	// quiet endpoint's other one; earliest first.
	got = claim(t, s, helpdesk.DeliveryClaim{Now: at(100), Until: at(130), Lease: "caps-2", Limit: 5, PerEndpoint: 2,
		Busy: map[string]int{busy.ID: 1}})
	equal(t, "claim with one slot at the busy endpoint", ids(got), []string{ds[0].ID, ds[9].ID})
	for _, d := range got {
		if d.Lease != "caps-2" || d.LockedUntil == nil || !d.LockedUntil.Equal(at(130)) {
			t.Errorf("claimed delivery without the lease: %s", show(d))
		}
	}

	// Nothing in flight: each endpoint's share is the cap.
	got = claim(t, s, helpdesk.DeliveryClaim{Now: at(100), Until: at(130), Lease: "caps-3", Limit: 10, PerEndpoint: 3})
	equal(t, "claim with nothing in flight", ids(got), []string{ds[1].ID, ds[2].ID, ds[3].ID})
}
