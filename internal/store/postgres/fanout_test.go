package postgres_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/postgres"
)

// TestEndpointOrderedAgainstEvents: while two instances write events of one
// workspace, a third creates its first endpoint. An event is written
// waiting for fan-out only when its workspace has an active endpoint, and
// the endpoint's creation takes the lock the event writers take, so the
// events are done up to the last one the endpoint's transaction saw and
// waiting after it: the endpoint gets exactly the events committed after
// it, none lost to the race and none from before it.
func TestEndpointOrderedAgainstEvents(t *testing.T) {
	t.Parallel()
	s, dsn := open(t)
	ctx := t.Context()
	w := seedBatchWorld(t, s)
	stores := []*postgres.Store{openInstance(t, dsn), openInstance(t, dsn)}

	const writers, perWriter = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers+1)
	for i := range writers {
		wg.Go(func() {
			for j := range perWriter {
				err := stores[i%2].InTx(ctx, func(tx helpdesk.Tx) error {
					return tx.CreateEvent(ctx, &helpdesk.Event{ID: uuid.NewString(), WorkspaceID: w.ws,
						Type: helpdesk.EventTicketCreated, Payload: []byte(fmt.Sprintf(`{"w":%d,"n":%d}`, i, j)),
						CreatedAt: time.Now().UTC()})
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	// cut is the last seq the endpoint's transaction sees: with the lock it
	// takes, no event of the workspace commits between that read and the
	// endpoint's commit.
	var cut int64
	wg.Go(func() {
		time.Sleep(20 * time.Millisecond)
		now := time.Now().UTC()
		errs <- s.InTx(ctx, func(tx helpdesk.Tx) error {
			err := tx.CreateWebhookEndpoint(ctx, &helpdesk.WebhookEndpoint{ID: uuid.NewString(), WorkspaceID: w.ws,
				URL: "https://hooks.example.com/t", EventTypes: []string{"*"}, Active: true,
				SecretSealed: []byte("sealed"), CreatedAt: now, UpdatedAt: now})
			if err != nil {
				return err
			}
			seen, err := tx.Events(ctx, w.ws, 0, writers*perWriter)
			if len(seen) > 0 {
				cut = seen[len(seen)-1].Seq
			}
			return err
		})
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	events, err := s.Events(ctx, w.ws, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != writers*perWriter {
		t.Fatalf("%d events, want %d", len(events), writers*perWriter)
	}
	var waiting []helpdesk.Event
	if err := s.InTx(ctx, func(tx helpdesk.Tx) (err error) {
		waiting, err = tx.UnfannedEvents(ctx, 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	pending := map[int64]bool{}
	for _, e := range waiting {
		pending[e.Seq] = true
	}
	before := 0
	for _, e := range events {
		if e.Seq <= cut {
			before++
		}
		if pending[e.Seq] != (e.Seq > cut) {
			t.Fatalf("event seq %d: waiting for fan-out %v, but the endpoint's transaction saw events up to seq %d",
				e.Seq, pending[e.Seq], cut)
		}
	}
	if before == 0 || before == len(events) {
		t.Logf("the endpoint came at event %d of %d: the race was not exercised", before, len(events))
	}
	t.Logf("%d events done before the endpoint, %d waiting after it", before, len(events)-before)
}
