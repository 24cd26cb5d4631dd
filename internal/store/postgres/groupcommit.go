package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/txbatch"
)

// Group commit.
//
// A ticket create takes its workspace's row lock (the gapless ticket number,
// the events' order) and, with one transaction per InTx call, held it
// through every round trip of the transaction and the WAL flush of its
// commit: a workspace's writers were serialised by round trips plus an
// fsync each (docs/benchmarks.md, 361 creates/s).
//
// So, as the SQLite store does, one goroutine — the committer — runs the
// InTx calls of this process that are waiting when it is free as one
// transaction on a connection of its own:
//
//	BEGIN
//	  SAVEPOINT m; fn₁; RELEASE m                    (fn₁ returned nil)
//	  SAVEPOINT m; fn₂; ROLLBACK TO m; RELEASE m      (fn₂ failed: its writes are undone)
//	  …
//	COMMIT                                           (one WAL flush for the batch)
//
// and answers every caller of the batch only then, so InTx still returns
// once its writes are durable. A workspace's row lock is taken by the first
// member that needs it and kept to the COMMIT, so the members after it pay
// neither the lock nor a flush. Each fn sees the writes of the members
// before it that succeeded, as if they had committed just before: the
// batch's order is a valid serial order.
//
// Every round trip of a member is time the members after it wait, so a
// member costs as few as can be:
//   - BEGIN, SAVEPOINT and RELEASE go out ahead of the next statement, in
//     its pipeline (ROLLBACK TO, rare, goes at once);
//   - writes whose outcome the service never looks at before its next
//     statement (ticket, message and event inserts) are deferred to that
//     statement's pipeline (txn.deferWrite), and a member's last ones to
//     the next member's first statement or the COMMIT, ahead of its RELEASE;
//     should one of those fail, the batch is rolled back and run again,
//     that member sending its writes before it returns;
//   - after the first ticket number of a batch the members count on
//     locally, and the COMMIT writes the counter once (NextTicketNumber);
//     events take their seqs from a block taken under the lock (CreateEvent).
// A ticket create from an existing customer is then one round trip: its
// inbox and customer reads, carrying the writes of the member before.
//
// What a member's transaction remembers (txState) starts afresh with each
// member, except what the batch's transaction holds for everyone: the row
// locks, the ticket counters, the event seqs and the queued wake-up of the
// members that succeeded. The workspace setting (set_config, transaction-
// local) outlives a released savepoint, so each member sets its own before
// its first tenant statement.
//
// The semantics InTx documents survive:
//   - a member that lost a race for a row (ErrConflict after an insert met a
//     row committed meanwhile) runs again, in a savepoint of its own;
//   - a deadlock or serialization failure aborts the whole transaction (the
//     locks of earlier members may be part of the cycle), so the batch is
//     rolled back and all of its members run again in a new one;
//   - a caller whose ctx ends before its turn is not run; once its fn runs,
//     ctx is checked before each statement (see reader.stmtContext);
//   - a panic in fn is rolled back to its savepoint and re-raised in the
//     caller's goroutine.
//
// fn runs on the committer's goroutine: it must not call InTx itself (that
// would wait forever) nor runtime.Goexit (t.FailNow).
//
// Package txbatch hands the calls over: a batch is whatever is waiting,
// without a timer, so it grows with the load and a lone caller waits for
// nobody.

// maxMembers bounds the members of one transaction. PostgreSQL keeps the
// first 64 subtransaction ids of a transaction in shared memory; past that
// every other session's snapshot must look them up in pg_subtrans, so a
// batch stays under it (each member is one subtransaction, a rerun another).
const maxMembers = 48

// maxAttempts is how many times one InTx call's fn runs at most.
const maxAttempts = 3

// errClosed is what InTx returns once the store is closed.
var errClosed = fmt.Errorf("postgres: %w", txbatch.ErrClosed)

// batchState is what the batch's transaction holds for its members.
type batchState struct {
	// pending go out ahead of the next statement (see pendingItem).
	pending []pendingItem
	// began is set once BEGIN has been sent.
	began bool
	// locked, woken and seq are txState's, for the members that
	// succeeded.
	locked    map[string]bool
	woken     map[string]bool
	seq       map[string]int64
	seqs      []int64
	seqsCover map[string]bool
	// seqStored is the ticket_seq each workspace's row holds in the
	// transaction; commit writes seq where it differs.
	seqStored map[string]int64
	// broken is a control statement's failure: the transaction's state is
	// unknown, so it is rolled back and its members run again.
	broken error
}

// keep makes what a member that succeeded leaves the batch's.
func (b *batchState) keep(st *txState) {
	b.locked, b.woken, b.seq = st.locked, st.woken, st.seq
	b.seqs, b.seqsCover = st.seqs, st.seqsCover
	for ws, n := range st.stored {
		if b.seqStored == nil {
			b.seqStored = map[string]int64{}
		}
		b.seqStored[ws] = n
	}
}

// txReq is one InTx call waiting for the committer.
type txReq struct {
	*txbatch.Call
	attempts int  // runs of fn so far
	eager    bool // its writes go out before it returns (see runMember)
}

// committer owns the connection the write transactions run on.
type committer struct {
	connect func(context.Context) (*pgx.Conn, error)
	onQuery func()

	queue *txbatch.Queue[*txReq]

	conn *pgx.Conn // nil until the first batch, and after a broken one

	// batches and calls count transactions and the fn runs they held; the
	// tests read them to see that calls really were batched.
	batches, calls atomic.Int64
}

func newCommitter(connect func(context.Context) (*pgx.Conn, error), onQuery func()) *committer {
	c := &committer{connect: connect, onQuery: onQuery}
	c.queue = txbatch.Start(maxMembers, c.runBatch, c.disconnect)
	return c
}

// InTx runs fn in a transaction and returns when it has committed durably
// (nil) or been rolled back (fn's error as it is, or the store's).
//
// PostgreSQL runs other processes' transactions concurrently with this
// one, so two can race where SQLite never lets them: both look for the
// customer with an email, neither finds it, both insert it. The loser's
// insert meets the winner's row (ErrConflict), and its fn is run once more,
// where it now finds the row, exactly as it would have had it waited its
// turn. A deadlock is retried the same way. fn must therefore have no
// effect outside the transaction it is given, which is what the service's
// transactions already are. fn runs in a group-commit batch with other
// callers of this process (groupcommit.go): it must not call InTx itself.
func (s *Store) InTx(ctx context.Context, fn func(tx helpdesk.Tx) error) error {
	return s.committer.inTx(ctx, fn)
}

// inTx hands fn to the committer and waits for its outcome.
func (c *committer) inTx(ctx context.Context, fn func(tx helpdesk.Tx) error) error {
	req := newTxReq(ctx, fn)
	if err := c.send(req); err != nil {
		return err
	}
	return req.Wait()
}

func newTxReq(ctx context.Context, fn func(tx helpdesk.Tx) error) *txReq {
	return &txReq{Call: txbatch.NewCall(ctx, fn)}
}

// send queues req for the committer's next batch.
func (c *committer) send(req *txReq) error {
	switch err := c.queue.Send(req.Ctx, req); {
	case errors.Is(err, txbatch.ErrClosed):
		return errClosed
	case err != nil:
		return fmt.Errorf("postgres: begin: %w", err)
	}
	return nil
}

// offer queues req only if the committer is waiting for work or
// gathering a batch right now.
func (c *committer) offer(req *txReq) bool { return c.queue.Offer(req) }

func (c *committer) counted() {
	if c.onQuery != nil {
		c.onQuery()
	}
}

// stop makes the committer finish its work and close its connection.
func (c *committer) stop() { c.queue.Stop() }

func (c *committer) disconnect() {
	if c.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = c.conn.Close(ctx)
	c.conn = nil
}

// control runs control statements on their own (COMMIT, ROLLBACK). They
// never take a caller's context: one caller going away must not break the
// batch. With no arguments pgx sends them in one simple-protocol message.
func (c *committer) control(stmts ...string) error {
	_, err := c.conn.Exec(context.Background(), strings.Join(stmts, "; "))
	return err
}

// runBatch runs batch in one transaction and answers its callers, except
// those it returns: the transaction was rolled back under them (deadlock,
// broken connection), and they are to run again in a new one.
func (c *committer) runBatch(batch []*txReq) (rerun []*txReq) {
	if c.conn == nil || c.conn.IsClosed() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		conn, err := c.connect(ctx)
		cancel()
		if err != nil {
			for _, r := range batch {
				r.Answer(txbatch.Outcome{Err: fmt.Errorf("postgres: begin: %w", err)})
			}
			return nil
		}
		c.conn = conn
	}
	b := &batchState{pending: []pendingItem{{sql: "BEGIN"}}}
	outs := make([]txbatch.Outcome, len(batch))
	for i, r := range batch {
		out, fatal := c.runMember(b, r)
		outs[i] = out
		if fatal != nil {
			return c.abort(b, batch, outs, i, fatal)
		}
	}
	c.batches.Add(1)
	if !b.began && !slices.ContainsFunc(b.pending, func(p pendingItem) bool { return p.write != nil }) {
		// No member wrote anything: there is no transaction to commit.
		c.answer(batch, outs)
		return nil
	}
	err := c.commit(b)
	var tail *tailFailure
	if errors.As(err, &tail) {
		return c.abort(b, batch, outs, len(batch)-1, err)
	}
	if err == nil {
		c.answer(batch, outs)
		return nil
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		// The connection failed: whether the COMMIT got through is unknown,
		// so every member that had succeeded gets the error.
		c.disconnect()
		for i := range outs {
			if outs[i].OK() {
				outs[i].Err = fmt.Errorf("postgres: commit: %w", err)
			}
		}
		c.answer(batch, outs)
		return nil
	}
	// PostgreSQL refused: nothing of the batch was committed.
	_ = c.control("ROLLBACK") // a transaction left open by a failed RELEASE
	for i, r := range batch {
		if !outs[i].OK() {
			r.Answer(outs[i])
			continue
		}
		if retryable(err, false) && r.attempts < maxAttempts && r.Ctx.Err() == nil {
			rerun = append(rerun, r)
			continue
		}
		r.Answer(txbatch.Outcome{Err: wrapErr(err, "postgres: commit")})
	}
	return rerun
}

// commit sends the batch's pending items, the ticket numbers its members
// counted on (see NextTicketNumber), and COMMIT, in one round trip. A
// returned member's write that fails there is a *tailFailure.
func (c *committer) commit(b *batchState) error {
	batch := &pgx.Batch{}
	cur := ""
	setting := func(ws string) bool {
		if ws == "" || ws == cur {
			return false
		}
		batch.Queue(setWorkspace, ws)
		cur = ws
		return true
	}
	sets := make([]bool, len(b.pending))
	for i, p := range b.pending {
		if p.write == nil {
			batch.Queue(p.sql)
			continue
		}
		sets[i] = setting(p.write.ws)
		batch.Queue(p.write.stmt.sql, p.write.stmt.args...)
	}
	for ws, n := range b.seq {
		if n != b.seqStored[ws] {
			setting(ws)
			batch.Queue(`UPDATE workspaces SET ticket_seq = $2 WHERE id = $1`, ws, n)
		}
	}
	batch.Queue("COMMIT")
	br := c.conn.SendBatch(context.Background(), batch)
	defer br.Close()
	for i, p := range b.pending {
		var err error
		if sets[i] {
			_, err = br.Exec()
		}
		if err == nil {
			_, err = br.Exec()
		}
		if err != nil && p.write != nil {
			return &tailFailure{owner: p.owner, err: p.write.fail(err)}
		}
		if err != nil {
			return err
		}
	}
	return br.Close()
}

// runMember runs one caller's fn in a savepoint of the batch's transaction,
// again while it lost a race and has attempts left. fatal reports a failure
// of the whole transaction, which the caller must abort.
func (c *committer) runMember(b *batchState, r *txReq) (out txbatch.Outcome, fatal error) {
	for {
		if err := r.Ctx.Err(); err != nil {
			return txbatch.Outcome{Err: fmt.Errorf("postgres: begin: %w", err)}, nil
		}
		r.attempts++
		c.calls.Add(1)
		c.counted() // the member's BEGIN: its SAVEPOINT
		mark := len(b.pending)
		b.pending = append(b.pending, pendingItem{sql: "SAVEPOINT m"})
		st := &txState{batch: b, locked: maps.Clone(b.locked), woken: maps.Clone(b.woken),
			seq: maps.Clone(b.seq), seqs: b.seqs, seqsCover: b.seqsCover}
		t := &txn{reader{db: c.conn, onQuery: c.onQuery, tx: st}}
		out = txbatch.Run(t, r.Fn)
		// The member's last writes go out with the next member's first
		// statement (or the COMMIT), ahead of its RELEASE: a round trip
		// less per member. Should one fail, the batch is run again, and
		// this member then sends its writes before it returns (eager).
		tail := out.OK() && st.failed == nil && len(st.deferred) > 0 && !r.eager
		switch {
		case !out.OK():
			st.deferred = nil
		case !tail:
			_ = t.flush() // a failure is st.failed
		}
		c.counted() // the member's COMMIT or ROLLBACK: its RELEASE or ROLLBACK TO
		switch {
		case b.broken != nil:
			return out, b.broken
		case st.sent && c.conn.IsClosed():
			return out, fmt.Errorf("connection lost: %w", errors.Join(st.failed, out.Err))
		case !out.OK() && abortsTx(out.Err):
			return out, out.Err
		case tail:
			for i := range st.deferred {
				b.pending = append(b.pending, pendingItem{write: &st.deferred[i], owner: r})
			}
			b.pending = append(b.pending, pendingItem{sql: "RELEASE m"})
			b.keep(st)
			return out, nil
		case !st.sent:
			// Nothing went out, so there is nothing to release or undo; a
			// ticket number counted on is still the member's.
			b.pending = b.pending[:mark]
			if out.OK() {
				b.keep(st)
				return out, nil
			}
			if !r.retry(out, st) {
				return out, nil
			}
			continue
		case out.OK() && st.failed == nil:
			b.pending = append(b.pending, pendingItem{sql: "RELEASE m"})
			b.keep(st)
			return out, nil
		}
		if out.OK() {
			// fn went on after a failed statement; its savepoint cannot commit.
			out.Err = fmt.Errorf("postgres: commit: %w", st.failed)
		}
		if abortsTx(st.failed) || abortsTx(out.Err) {
			return out, errors.Join(st.failed, out.Err)
		}
		// Undo the member now, in a round trip of its own (failures are
		// rare): its savepoint may be aborted, and in an aborted
		// transaction pgx could not prepare the next member's statements.
		if err := c.control("ROLLBACK TO m", "RELEASE m"); err != nil {
			return out, fmt.Errorf("roll back to savepoint: %w", err)
		}
		if !r.retry(out, st) {
			return out, nil
		}
	}
}

// retry reports whether a failed member runs again: it lost a race for a
// row, has attempts left, and its caller is still waiting.
func (r *txReq) retry(out txbatch.Outcome, st *txState) bool {
	return !out.Panicked && r.attempts < maxAttempts && r.Ctx.Err() == nil && retryable(out.Err, st.raced)
}

// abortsTx reports whether err is a failure that PostgreSQL resolves by
// aborting one whole transaction: a deadlock or a serialization failure.
// Rolling back to the member's savepoint would keep the locks of the members
// before it, which may be part of the same cycle.
func abortsTx(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == codeDeadlockDetected || pgErr.Code == codeSerializationFailure)
}

// abort rolls back a batch whose transaction failed while member i ran.
// Nothing of it is committed, so the members up to i that had succeeded,
// member i and the members after it (not run yet) run again in a new
// transaction while they have attempts left; the others up to i get their
// own error, or the transaction's.
func (c *committer) abort(b *batchState, batch []*txReq, outs []txbatch.Outcome, i int, cause error) (rerun []*txReq) {
	if (b.began || len(b.pending) > 0) && !c.conn.IsClosed() {
		if err := c.control("ROLLBACK"); err != nil {
			c.disconnect() // the connection is not in a known state
		}
	}
	var tail *tailFailure
	if errors.As(cause, &tail) {
		// Only the member whose write failed is to blame: it runs again
		// sending its writes itself; the others' runs are not counted.
		tail.owner.eager = true
		for j, r := range batch[:i+1] {
			if r != tail.owner && (outs[j].OK() || j == i) {
				r.attempts--
			}
		}
	}
	for j, r := range batch {
		switch {
		case j > i:
			rerun = append(rerun, r)
		case j < i && !outs[j].OK():
			r.Answer(outs[j])
		case r.attempts < maxAttempts && r.Ctx.Err() == nil && !outs[j].Panicked:
			rerun = append(rerun, r)
		case j == i && !outs[j].OK():
			r.Answer(outs[j])
		default:
			r.Answer(txbatch.Outcome{Err: fmt.Errorf("postgres: transaction aborted: %w", cause)})
		}
	}
	return rerun
}

// answer sends every caller its outcome.
func (c *committer) answer(batch []*txReq, outs []txbatch.Outcome) {
	for i, r := range batch {
		r.Answer(outs[i])
	}
}
