// Package txbatch is the hand-over both stores' group commits are built on:
// many goroutines call InTx, and one goroutine, which owns the write
// connection, takes the calls that are waiting when it is free and runs them
// as one batch in one transaction (SQLite: writer.go, PostgreSQL:
// groupcommit.go). What the batch's transaction looks like is the store's;
// this package owns the queue between the callers and that goroutine, and
// how a call's outcome, a panic included, travels back to its caller.
//
// Calls reach the goroutine over an unbuffered channel: Go serves the
// senders blocked on a channel in FIFO order, so calls are served in arrival
// order. The batch is whatever is waiting; there is no timer. While one batch
// runs, the next callers queue, so batches grow with the load and a lone
// caller waits for nobody.
package txbatch

import (
	"context"
	"errors"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// ErrClosed is what Send returns once the queue is stopped.
var ErrClosed = errors.New("store is closed")

// Outcome is how one call ended: fn's error, or the panic it raised.
type Outcome struct {
	Err      error
	Panicked bool
	PanicVal any
}

// OK reports whether fn returned nil.
func (o Outcome) OK() bool { return o.Err == nil && !o.Panicked }

// Run runs fn on tx, turning a panic into an Outcome that Wait re-raises in
// the caller's goroutine: a panicking fn must not take the batch's goroutine,
// and every other caller of the batch, down with it.
func Run(tx helpdesk.Tx, fn func(tx helpdesk.Tx) error) (out Outcome) {
	defer func() {
		if p := recover(); p != nil {
			out = Outcome{Panicked: true, PanicVal: p}
		}
	}()
	return Outcome{Err: fn(tx)}
}

// Call is one InTx call waiting for its batch.
type Call struct {
	Ctx  context.Context
	Fn   func(tx helpdesk.Tx) error
	done chan Outcome // buffered: the batch's goroutine never waits for the caller
}

// NewCall makes the call of fn under ctx.
func NewCall(ctx context.Context, fn func(tx helpdesk.Tx) error) *Call {
	return &Call{Ctx: ctx, Fn: fn, done: make(chan Outcome, 1)}
}

// Answer gives the caller its outcome; it is called once per call.
func (c *Call) Answer(o Outcome) { c.done <- o }

// Wait returns the outcome of a queued call, re-raising fn's panic. Once
// the batch's goroutine has the call, Wait waits whatever the call's context
// does: returning early could report a failure for a write that commits.
func (c *Call) Wait() error {
	out := <-c.done
	if out.Panicked {
		panic(out.PanicVal)
	}
	return out.Err
}

// Queue carries calls of type R to the goroutine that Start runs.
type Queue[R any] struct {
	reqs    chan R
	quit    chan struct{}
	stopped chan struct{}
}

// Start starts the goroutine that runs batches of at most max calls with
// run until Stop, then calls finish. run answers the calls it ran and
// returns those it did not (its transaction broke under them): they go
// first in the next batch, ahead of the calls still queued.
func Start[R any](max int, run func(batch []R) (rerun []R), finish func()) *Queue[R] {
	q := &Queue[R]{
		reqs:    make(chan R),
		quit:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	go q.serve(max, run, finish)
	return q
}

func (q *Queue[R]) serve(max int, run func([]R) []R, finish func()) {
	defer close(q.stopped)
	defer finish()
	var queue []R // calls waiting for a batch, reruns first
	for {
		if len(queue) == 0 {
			select {
			case r := <-q.reqs:
				queue = append(queue, r)
			case <-q.quit:
				return
			}
		}
	collect:
		for len(queue) < max {
			select {
			case r := <-q.reqs:
				queue = append(queue, r)
			default:
				break collect
			}
		}
		n := min(len(queue), max)
		rerun := run(queue[:n])
		queue = append(rerun, queue[n:]...)
	}
}

// Send queues r for a coming batch. It fails with ctx's error when ctx ends
// first, and with ErrClosed once the queue is stopped.
func (q *Queue[R]) Send(ctx context.Context, r R) error {
	select {
	case q.reqs <- r:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-q.quit:
		return ErrClosed
	}
}

// Offer queues r only if the goroutine is waiting for work or gathering a
// batch right now.
func (q *Queue[R]) Offer(r R) bool {
	select {
	case q.reqs <- r:
		return true
	default:
		return false
	}
}

// Stop makes the goroutine finish its batch, run finish and return; it
// returns when that is done. Stopping twice is harmless.
func (q *Queue[R]) Stop() {
	select {
	case <-q.quit:
	default:
		close(q.quit)
	}
	<-q.stopped
}
