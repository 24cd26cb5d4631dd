package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// wakeChannel is the LISTEN/NOTIFY channel on which a commit that leaves
// webhook work (new events, queued deliveries) wakes every instance's
// dispatcher. PostgreSQL delivers a notification when, and only if, its
// transaction commits, and folds identical ones of one transaction into one.
const wakeChannel = "tixallo_webhook_work"

var _ helpdesk.EventWaker = (*Store)(nil)

// notifyWork queues the wake-up for this transaction's commit.
func (t *txn) notifyWork(ctx context.Context) error {
	if t.tx.notified {
		return nil
	}
	if _, err := t.exec(ctx, "", `SELECT pg_notify('`+wakeChannel+`', '')`); err != nil {
		return wrapErr(err, "notify webhook dispatchers")
	}
	t.tx.notified = true
	return nil
}

// EventWake returns a channel that receives a value soon after any process
// commits events or queues webhook deliveries. It holds one connection of
// its own, LISTENing, until ctx ends; when that connection fails it
// reconnects and sends a wake-up, since notifications may have been missed
// meanwhile.
func (s *Store) EventWake(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	wake := func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	go func() {
		backoff := 100 * time.Millisecond
		for ctx.Err() == nil {
			err := s.listen(ctx, wake)
			if ctx.Err() != nil {
				return
			}
			s.log.LogAttrs(ctx, slog.LevelWarn, "webhook wake-up listener failed; reconnecting",
				slog.String("err", err.Error()))
			wake()
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
		}
	}()
	return ch
}

// listen LISTENs on one connection taken out of the pool and calls wake for
// every notification, until ctx ends or the connection fails.
func (s *Store) listen(ctx context.Context, wake func()) error {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	c := pc.Hijack() // the pool must never hand out a LISTENing connection
	defer c.Close(context.WithoutCancel(ctx))
	if _, err := c.Exec(ctx, `LISTEN `+wakeChannel); err != nil {
		return err
	}
	for {
		if _, err := c.WaitForNotification(ctx); err != nil {
			return err
		}
		wake()
	}
}
