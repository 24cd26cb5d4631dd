package postgres

import (
	"context"
	"sync/atomic"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// backgroundCommitters is how many committers serve Background(): the
// dispatcher runs two loops that write (the fan-out-and-claim cycle and
// the result recorder), and each should find one free.
const backgroundCommitters = 3

// BackgroundStore is the store as the webhook dispatcher uses it: the same
// reads, and transactions that run on committers of their own (each with
// its own connection) beside the requests' committer instead of inside its
// batches.
//
// A committer runs its batch's members one after another, so a member's
// time is every later member's wait. The dispatcher's transactions (a
// fan-out and claim, a batch of attempt results) take several statements
// each and come dozens of times a second under load. In the requests'
// batches they held every ticket create behind them (the webhook bench:
// 99 tickets/s created, 397 deliveries/s); sharing one committer of their
// own, the cycle and the recorder held each other up (234 deliveries/s).
// On separate connections the kinds of work overlap as they would on
// separate instances, which the store allows anyway: what they share is
// guarded by row locks, and a deadlock reruns the batch.
type BackgroundStore struct {
	*Store
	next *atomic.Uint32
}

// Background returns the store whose transactions run apart from the
// requests' (see BackgroundStore).
func (s *Store) Background() BackgroundStore {
	return BackgroundStore{Store: s, next: new(atomic.Uint32)}
}

// InTx runs fn on a background committer: one that is free right now if
// there is one, otherwise the next in turn. Otherwise it is Store.InTx.
func (b BackgroundStore) InTx(ctx context.Context, fn func(tx helpdesk.Tx) error) error {
	req := newTxReq(ctx, fn)
	queued := false
	for _, c := range b.background {
		if queued = c.offer(req); queued {
			break
		}
	}
	if !queued {
		c := b.background[int(b.next.Add(1))%len(b.background)]
		if err := c.send(req); err != nil {
			return err
		}
	}
	return req.Wait()
}
