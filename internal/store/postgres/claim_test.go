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

// claimWorld is a workspace with endpoints and due deliveries to them.
type claimWorld struct {
	endpoints []string
	due       map[string]bool // every delivery id
	now       time.Time
}

// seedClaims gives each of endpoints endpoints perEndpoint deliveries, due
// one microsecond apart, all before now.
func seedClaims(t *testing.T, s helpdesk.Store, endpoints, perEndpoint int) claimWorld {
	t.Helper()
	ctx := t.Context()
	w := seedBatchWorld(t, s)
	now := time.Now().UTC().Truncate(time.Microsecond)
	cw := claimWorld{due: map[string]bool{}, now: now}
	err := s.InTx(ctx, func(tx helpdesk.Tx) error {
		var ds []helpdesk.Delivery
		for e := range endpoints {
			ep := helpdesk.WebhookEndpoint{ID: uuid.NewString(), WorkspaceID: w.ws,
				URL: fmt.Sprintf("https://hooks.example.com/%d", e), EventTypes: []string{"*"}, Active: true,
				SecretSealed: []byte("sealed"), CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateWebhookEndpoint(ctx, &ep); err != nil {
				return err
			}
			cw.endpoints = append(cw.endpoints, ep.ID)
			for i := range perEndpoint {
				ev := helpdesk.Event{ID: uuid.NewString(), WorkspaceID: w.ws, Type: helpdesk.EventTicketCreated,
					Payload: []byte(`{}`), CreatedAt: now}
				if err := tx.CreateEvent(ctx, &ev); err != nil {
					return err
				}
				due := now.Add(-time.Minute + time.Duration(i*endpoints+e)*time.Microsecond)
				ds = append(ds, helpdesk.Delivery{ID: uuid.NewString(), WorkspaceID: w.ws, EndpointID: ep.ID,
					EventID: ev.ID, EventType: ev.Type, State: helpdesk.DeliveryPending, NextAt: due,
					CreatedAt: now, UpdatedAt: now})
				cw.due[ds[len(ds)-1].ID] = true
			}
		}
		return tx.CreateWebhookDeliveries(ctx, ds)
	})
	if err != nil {
		t.Fatal(err)
	}
	return cw
}

func (cw claimWorld) claim(lease string, limit, perEndpoint int) helpdesk.DeliveryClaim {
	return helpdesk.DeliveryClaim{Now: cw.now, Until: cw.now.Add(time.Hour), Lease: lease, Limit: limit,
		PerEndpoint: perEndpoint}
}

// TestClaimBesideAnotherClaim: while one instance's claim is still open
// (its rows locked, its lease not committed), another instance's claim
// gets the next deliveries, within its own per-endpoint caps, none of the
// first's.
func TestClaimBesideAnotherClaim(t *testing.T) {
	t.Parallel()
	s, dsn := open(t)
	ctx := t.Context()
	cw := seedClaims(t, s, 2, 6)
	other := openInstance(t, dsn)

	var (
		first    []helpdesk.Delivery
		claimed  = make(chan struct{})
		release  = make(chan struct{})
		firstErr = make(chan error, 1)
	)
	go func() {
		firstErr <- s.InTx(ctx, func(tx helpdesk.Tx) error {
			var err error
			first, err = tx.ClaimWebhookDeliveries(ctx, cw.claim("first", 4, 2))
			close(claimed)
			<-release
			return err
		})
	}()
	<-claimed
	var second []helpdesk.Delivery
	err := other.InTx(ctx, func(tx helpdesk.Tx) error {
		var err error
		second, err = tx.ClaimWebhookDeliveries(ctx, cw.claim("second", 4, 2))
		return err
	})
	close(release)
	if err := <-firstErr; err != nil {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 4 || len(second) != 4 {
		t.Fatalf("claimed %d and %d deliveries, want 4 and 4", len(first), len(second))
	}
	seen := map[string]string{}
	for _, c := range []struct {
		lease string
		ds    []helpdesk.Delivery
	}{{"first", first}, {"second", second}} {
		per := map[string]int{}
		for _, d := range c.ds {
			if prev, ok := seen[d.ID]; ok {
				t.Errorf("delivery %s claimed by %s and by %s", d.ID, prev, c.lease)
			}
			seen[d.ID] = c.lease
			if d.Lease != c.lease {
				t.Errorf("delivery claimed by %s carries lease %q", c.lease, d.Lease)
			}
			per[d.EndpointID]++
		}
		for ep, n := range per {
			if n > 2 {
				t.Errorf("%s claimed %d deliveries of endpoint %s, cap 2", c.lease, n, ep)
			}
		}
	}
}

// TestClaimRace: claimers of three instances claim the same backlog at
// once, each holding its claim open a moment; every delivery is claimed,
// and by exactly one of them.
func TestClaimRace(t *testing.T) {
	t.Parallel()
	s, dsn := open(t)
	ctx := t.Context()
	cw := seedClaims(t, s, 3, 40)
	stores := []*postgres.Store{s, openInstance(t, dsn), openInstance(t, dsn)}

	var (
		mu    sync.Mutex
		owner = map[string]string{}
		dups  []string
		wg    sync.WaitGroup
	)
	deadline := time.Now().Add(20 * time.Second)
	for i, st := range stores {
		for j := range 2 {
			lease := fmt.Sprintf("claimer-%d-%d", i, j)
			bg := st.Background()
			wg.Go(func() {
				for time.Now().Before(deadline) {
					mu.Lock()
					done := len(owner) == len(cw.due)
					mu.Unlock()
					if done {
						return
					}
					var got []helpdesk.Delivery
					err := bg.InTx(ctx, func(tx helpdesk.Tx) error {
						var err error
						got, err = tx.ClaimWebhookDeliveries(ctx, cw.claim(lease, 5, 2))
						time.Sleep(2 * time.Millisecond) // hold the locks while others claim
						return err
					})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					for _, d := range got {
						if prev, ok := owner[d.ID]; ok {
							dups = append(dups, fmt.Sprintf("%s by %s and %s", d.ID, prev, lease))
						}
						owner[d.ID] = lease
					}
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if len(dups) > 0 {
		t.Fatalf("deliveries claimed twice: %v", dups)
	}
	if len(owner) != len(cw.due) {
		t.Fatalf("%d of %d deliveries claimed", len(owner), len(cw.due))
	}
	claimers := map[string]bool{}
	for _, l := range owner {
		claimers[l] = true
	}
	t.Logf("%d deliveries claimed by %d claimers", len(owner), len(claimers))
}
