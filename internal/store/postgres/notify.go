package postgres

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

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
	if t.tx.woken[""] {
		return nil
	}
	if _, err := t.exec(ctx, "", `SELECT pg_notify('`+wakeChannel+`', '')`); err != nil {
		return wrapErr(err, "notify webhook dispatchers")
	}
	t.tx.wake("")
	return nil
}

// EventWake returns a channel that receives a value soon after any process
// commits events or queues webhook deliveries. It holds one connection of
// its own, LISTENing, until ctx ends; when that connection fails it
// reconnects and sends a wake-up, since notifications may have been missed
// meanwhile. (KeyCachedStore shares one such connection with its key cache.)
func (s *Store) EventWake(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	wake := func() { wakeUp(ch) }
	go s.listen(ctx, []string{wakeChannel}, listenHandler{
		notified: func(string, string) { wake() },
		down:     func(error) { wake() },
	})
	return ch
}

// wakeUp sends a wake-up on ch unless one is already waiting there.
func wakeUp(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// listenHandler is told what happens on a LISTENing connection. Each func
// is called on the listener's goroutine, one at a time; nil ones are
// skipped.
type listenHandler struct {
	// up: the connection, served by backend process pid, LISTENs on every
	// channel. Notifications sent while it was down were lost.
	up func(pid uint32)
	// notified: a notification arrived.
	notified func(channel, payload string)
	// down: the connection failed (err) and will be replaced.
	down func(err error)
}

// listen keeps one connection LISTENing on channels until ctx ends,
// reconnecting with backoff whenever it fails.
func (s *Store) listen(ctx context.Context, channels []string, h listenHandler) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, channels, h, func() { backoff = 100 * time.Millisecond })
		if ctx.Err() != nil {
			return
		}
		s.log.LogAttrs(ctx, slog.LevelWarn, "LISTEN connection failed; reconnecting",
			slog.String("err", err.Error()))
		if h.down != nil {
			h.down(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// listenOnce LISTENs on one connection taken out of the pool and reports to
// h, until ctx ends or the connection fails. connected is called once the
// connection listens.
func (s *Store) listenOnce(ctx context.Context, channels []string, h listenHandler, connected func()) error {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	c := pc.Hijack() // the pool must never hand out a LISTENing connection
	defer c.Close(context.WithoutCancel(ctx))
	for _, ch := range channels {
		if _, err := c.Exec(ctx, `LISTEN `+pgx.Identifier{ch}.Sanitize()); err != nil {
			return err
		}
	}
	connected()
	if h.up != nil {
		h.up(c.PgConn().PID())
	}
	for {
		n, err := c.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if h.notified != nil {
			h.notified(n.Channel, n.Payload)
		}
	}
}

// listener is one LISTENing connection shared by several users: a
// KeyCachedStore's key cache and its webhook wake-ups.
type listener struct {
	mu   sync.Mutex
	subs map[chan struct{}]struct{} // EventWake channels
}

// subscribe returns a channel woken by wake until ctx ends.
func (l *listener) subscribe(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	l.mu.Lock()
	if l.subs == nil {
		l.subs = map[chan struct{}]struct{}{}
	}
	l.subs[ch] = struct{}{}
	l.mu.Unlock()
	context.AfterFunc(ctx, func() {
		l.mu.Lock()
		delete(l.subs, ch)
		l.mu.Unlock()
	})
	return ch
}

// wake wakes every subscriber.
func (l *listener) wake() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ch := range l.subs {
		wakeUp(ch)
	}
}
