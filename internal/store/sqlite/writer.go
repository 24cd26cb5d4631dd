package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/keycache"
	"github.com/tixallo/tixallo/internal/store/txbatch"
)

// Group commit.
//
// SQLite runs one write transaction at a time, and with synchronous=FULL each
// COMMIT waits for an fsync of the WAL. One transaction per InTx call made the
// writer the bottleneck of every write: BEGIN, COMMIT and the sync were paid
// per request while the other writers queued (docs/benchmarks.md).
//
// So one goroutine, the writer, owns the write connection and runs the InTx
// calls that are waiting when it is free as one batch (package txbatch hands
// them over, in arrival order):
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
// the real commit. (database/sql would hand a freed connection to a random
// waiter instead, which made the write p99 many times the median.)

// maxBatch bounds the callers of one transaction, so that one commit does not
// wait behind an unbounded amount of work.
const maxBatch = 128

// errClosed is what InTx returns once the store is closed.
var errClosed = fmt.Errorf("sqlite: %w", txbatch.ErrClosed)

// writer owns the write connection; see the comment at the top of this file.
type writer struct {
	pool    *sql.DB // the write pool, of which the writer holds one connection
	onQuery func()
	keys    *keycache.Cache // cleared after a commit that wrote api_keys; may be nil

	queue *txbatch.Queue[*txbatch.Call]

	conn  *sql.Conn // nil until the first batch, and after a broken one
	stmts *stmtCache

	// batches and calls count transactions and the InTx calls they ran; the
	// tests read them to see that calls really were batched.
	batches, calls atomic.Int64
}

func newWriter(pool *sql.DB, onQuery func(), keys *keycache.Cache) *writer {
	w := &writer{pool: pool, onQuery: onQuery, keys: keys}
	w.queue = txbatch.Start(maxBatch, w.runBatch, func() {
		w.optimize()
		w.release()
	})
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
	call := txbatch.NewCall(ctx, fn)
	switch err := s.w.queue.Send(ctx, call); {
	case errors.Is(err, txbatch.ErrClosed):
		return errClosed
	case err != nil:
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	return call.Wait()
}

func (w *writer) counted() {
	if w.onQuery != nil {
		w.onQuery()
	}
}

// stop makes the writer finish its batch and release its connection.
func (w *writer) stop() { w.queue.Stop() }

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
func (w *writer) runBatch(batch []*txbatch.Call) (rest []*txbatch.Call) {
	results := make([]txbatch.Outcome, len(batch))
	answer := func(n int) {
		for i, r := range batch[:n] {
			r.Answer(results[i])
		}
	}
	if w.conn == nil {
		conn, err := w.pool.Conn(context.Background())
		if err != nil {
			for i := range results {
				results[i].Err = fmt.Errorf("sqlite: begin: %w", err)
			}
			answer(len(batch))
			return nil
		}
		w.conn, w.stmts = conn, newStmtCache(conn)
	}
	if err := w.control("BEGIN IMMEDIATE"); err != nil {
		for i := range results {
			results[i].Err = fmt.Errorf("sqlite: begin: %w", err)
		}
		answer(len(batch))
		w.release()
		return nil
	}

	keysChanged := false
	for i, r := range batch {
		if err := r.Ctx.Err(); err != nil {
			results[i].Err = fmt.Errorf("sqlite: begin: %w", err)
			continue
		}
		w.counted() // the caller's BEGIN
		if err := w.control("SAVEPOINT tx"); err != nil {
			return w.abort(batch, results, i, err)
		}
		t := &txn{reader: reader{db: w.stmts, onQuery: w.onQuery, detached: true}}
		results[i] = txbatch.Run(t, r.Fn)
		w.counted() // the caller's COMMIT or ROLLBACK
		if results[i].OK() {
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
			if results[i].OK() {
				results[i].Err = fmt.Errorf("sqlite: commit: %w", err)
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
func (w *writer) abort(batch []*txbatch.Call, results []txbatch.Outcome, i int, err error) []*txbatch.Call {
	err = fmt.Errorf("sqlite: transaction aborted: %w", err)
	for j := range results[:i+1] {
		if results[j].OK() {
			results[j].Err = err
		}
	}
	if rbErr := w.control("ROLLBACK"); rbErr != nil {
		// The connection is not in a known state: take a fresh one.
		w.release()
	}
	for j, r := range batch[:i+1] {
		r.Answer(results[j])
	}
	return batch[i+1:]
}
