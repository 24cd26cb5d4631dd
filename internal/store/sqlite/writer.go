package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/keycache"
)

// Group commit.
//
// SQLite runs one write transaction at a time, and with synchronous=FULL each
// COMMIT waits for an fsync of the WAL. One transaction per InTx call made the
// writer the bottleneck of every write: BEGIN, COMMIT and the sync were paid
// per request while the other writers queued (docs/benchmarks.md).
//
// So one goroutine, the writer, owns the write connection and runs the InTx
// calls that are waiting when it is free as one batch:
//
//	BEGIN IMMEDIATE
//	  SAVEPOINT tx; fn₁; RELEASE tx          (fn₁ returned nil)
//	  SAVEPOINT tx; fn₂; ROLLBACK TO tx; RELEASE tx   (fn₂ failed: its writes are undone)
//	  …
//	COMMIT                                    (one fsync for the batch)
//
// and only then answers every caller of the batch. Each fn sees the committed
// database plus the writes of the callers before it in the batch that
// succeeded, exactly as if those had committed just before, so the order of
// calls is a valid serial order. A failing fn is rolled back to its savepoint
// and never affects another caller. An InTx call returns only after the COMMIT
// that contains its writes is durable, so anything a caller does after InTx
// returns (waking the webhook dispatcher, answering the client) happens after
// the real commit.
//
// The batch is whatever is waiting; there is no timer. While one batch
// commits, the next callers queue, so the batch grows with the load and a lone
// caller waits for nobody.
//
// Requests reach the writer over an unbuffered channel: Go serves the senders
// blocked on a channel in FIFO order, so writers are served in arrival order
// (database/sql hands a freed connection to a random waiter, which made the
// write p99 many times the median).

// maxBatch bounds the callers of one transaction, so that one commit does not
// wait behind an unbounded amount of work.
const maxBatch = 128

// errClosed is what InTx returns once the store is closed.
var errClosed = errors.New("sqlite: store is closed")

// writeReq is one InTx call waiting for the writer.
type writeReq struct {
	ctx  context.Context
	fn   func(tx helpdesk.Tx) error
	done chan writeResult // buffered: the writer never waits for the caller
}

type writeResult struct {
	err      error
	panicked bool
	panicVal any
}

// writer owns the write connection; see the comment at the top of this file.
type writer struct {
	pool    *sql.DB // the write pool, of which the writer holds one connection
	onQuery func()
	keys    *keycache.Cache // cleared after a commit that wrote api_keys; may be nil

	reqs    chan *writeReq
	quit    chan struct{}
	stopped chan struct{}

	conn  *sql.Conn // nil until the first batch, and after a broken one
	stmts *stmtCache

	// batches and calls count transactions and the InTx calls they ran; the
	// tests read them to see that calls really were batched.
	batches, calls atomic.Int64
}

func newWriter(pool *sql.DB, onQuery func(), keys *keycache.Cache) *writer {
	w := &writer{
		pool: pool, onQuery: onQuery, keys: keys,
		reqs:    make(chan *writeReq),
		quit:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	go w.run()
	return w
}

// InTx runs fn in a write transaction and returns when it has committed
// durably (nil) or been rolled back (fn's error as it is, or the store's).
// fn runs on the writer goroutine, after the writes of the callers batched
// before it; it must not call InTx itself (that would wait forever), nor
// runtime.Goexit (t.FailNow). A panic in fn is rolled back and re-raised here.
// If ctx ends before fn's turn, fn does not run; once it runs, its statements
// no longer watch ctx (see reader.detached).
func (s *Store) InTx(ctx context.Context, fn func(tx helpdesk.Tx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan writeResult, 1)}
	select {
	case s.w.reqs <- req:
	case <-ctx.Done():
		return fmt.Errorf("sqlite: begin: %w", ctx.Err())
	case <-s.w.quit:
		return errClosed
	}
	// Once the writer has the request, wait for its outcome whatever ctx
	// does: returning early could report a failure for a write that commits.
	// fn's statements use ctx, so a cancelled caller fails and rolls back
	// quickly.
	res := <-req.done
	if res.panicked {
		panic(res.panicVal)
	}
	return res.err
}

func (w *writer) counted() {
	if w.onQuery != nil {
		w.onQuery()
	}
}

// stop makes the writer finish its batch and release its connection.
func (w *writer) stop() {
	select {
	case <-w.quit:
	default:
		close(w.quit)
	}
	<-w.stopped
}

func (w *writer) run() {
	defer close(w.stopped)
	defer w.release()
	var batch []*writeReq
	for {
		select {
		case r := <-w.reqs:
			batch = append(batch[:0], r)
		case <-w.quit:
			w.optimize()
			return
		}
	collect:
		for len(batch) < maxBatch {
			select {
			case r := <-w.reqs:
				batch = append(batch, r)
			default:
				break collect
			}
		}
		for len(batch) > 0 {
			batch = w.runBatch(batch)
		}
	}
}

// optimize lets SQLite refresh its query-planner statistics (PRAGMA
// optimize), as the SQLite documentation recommends before closing a
// long-lived connection. It runs on the writer's connection because optimize
// looks at the tables that its connection has used. Best effort: it is never a
// reason for Close to fail.
//
// Only sqlite_stat1 is kept: modernc's SQLite is built with STAT4, and with
// sqlite_stat4 samples SQLite recompiles a prepared statement every time a
// value is bound to a parameter that the samples could plan for (here the
// workspace id of nearly every query), which undid the statement cache for
// the ticket list. The list query fixes its join order (ticket_list.go), so
// the samples bought nothing there.
func (w *writer) optimize() {
	if w.conn == nil {
		return
	}
	_ = w.control("PRAGMA optimize")
	_ = w.control("DELETE FROM sqlite_stat4")
}

// release hands the connection back to the pool (Migrate, Close and the
// tests use the pool too) and forgets its statements.
func (w *writer) release() {
	if w.conn == nil {
		return
	}
	w.stmts.close()
	_ = w.conn.Close()
	w.conn, w.stmts = nil, nil
}

// control runs BEGIN, SAVEPOINT, RELEASE, ROLLBACK and COMMIT. They never take
// a caller's context: one caller going away must not break the batch.
func (w *writer) control(query string) error {
	_, err := w.stmts.ExecContext(context.Background(), query)
	return err
}

// runBatch runs batch in one transaction and answers every caller it ran. If
// the transaction breaks midway (SQLite rolled it back itself, or the
// connection failed), the callers not yet run are returned, to run in a new
// transaction.
func (w *writer) runBatch(batch []*writeReq) (rest []*writeReq) {
	results := make([]writeResult, len(batch))
	answer := func(n int) {
		for i, r := range batch[:n] {
			r.done <- results[i]
		}
	}
	if w.conn == nil {
		conn, err := w.pool.Conn(context.Background())
		if err != nil {
			for i := range results {
				results[i].err = fmt.Errorf("sqlite: begin: %w", err)
			}
			answer(len(batch))
			return nil
		}
		w.conn, w.stmts = conn, newStmtCache(conn)
	}
	if err := w.control("BEGIN IMMEDIATE"); err != nil {
		for i := range results {
			results[i].err = fmt.Errorf("sqlite: begin: %w", err)
		}
		answer(len(batch))
		w.release()
		return nil
	}

	keysChanged := false
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i].err = fmt.Errorf("sqlite: begin: %w", err)
			continue
		}
		w.counted() // the caller's BEGIN
		if err := w.control("SAVEPOINT tx"); err != nil {
			return w.abort(batch, results, i, err)
		}
		t := &txn{reader: reader{db: w.stmts, onQuery: w.onQuery, detached: true}}
		results[i] = call(t, r.fn)
		w.counted() // the caller's COMMIT or ROLLBACK
		if results[i].err == nil && !results[i].panicked {
			if err := w.control("RELEASE tx"); err != nil {
				return w.abort(batch, results, i, err)
			}
			keysChanged = keysChanged || t.keysChanged
			continue
		}
		if err := w.control("ROLLBACK TO tx"); err != nil {
			return w.abort(batch, results, i, err)
		}
		if err := w.control("RELEASE tx"); err != nil {
			return w.abort(batch, results, i, err)
		}
	}

	if err := w.control("COMMIT"); err != nil {
		_ = w.control("ROLLBACK")
		for i := range results {
			if results[i].err == nil && !results[i].panicked {
				results[i].err = fmt.Errorf("sqlite: commit: %w", err)
			}
		}
		keysChanged = false
	}
	w.batches.Add(1)
	w.calls.Add(int64(len(batch)))
	if keysChanged && w.keys != nil {
		// Before the callers return: the request after a revocation must
		// not find the revoked key in the cache.
		w.keys.Clear()
	}
	answer(len(batch))
	return nil
}

// abort ends a batch whose transaction broke while running caller i: nothing
// of it is committed, so every caller up to i that had succeeded gets err,
// and the callers after i are returned to run again in a new transaction.
func (w *writer) abort(batch []*writeReq, results []writeResult, i int, err error) []*writeReq {
	err = fmt.Errorf("sqlite: transaction aborted: %w", err)
	for j := range results[:i+1] {
		if results[j].err == nil && !results[j].panicked {
			results[j].err = err
		}
	}
	if rbErr := w.control("ROLLBACK"); rbErr != nil {
		// The connection is not in a known state: take a fresh one.
		w.release()
	}
	for j, r := range batch[:i+1] {
		r.done <- results[j]
	}
	return batch[i+1:]
}

// call runs fn, turning a panic into a result that InTx re-raises in the
// caller's goroutine.
func call(t *txn, fn func(tx helpdesk.Tx) error) (res writeResult) {
	defer func() {
		if p := recover(); p != nil {
			res = writeResult{panicked: true, panicVal: p}
		}
	}()
	return writeResult{err: fn(t)}
}
