package postgres

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// CreateEvent appends to the outbox.
//
// seq comes from a sequence, and sequences hand out numbers in the order
// transactions ask, not in the order they commit: left alone, a transaction
// could take seq 10, commit after another took 11 and committed, and a
// consumer that had already paged past 11 would never see 10. So the
// transaction first locks its workspace's row (FOR NO KEY UPDATE, the lock
// NextTicketNumber's UPDATE takes too) and only then takes its seq. Every
// other event writer of the workspace waits on that lock until this one
// commits, so within a workspace — which is how the feed is paged — seq
// order is commit order.
//
// Holding the lock, the transaction takes a block of seqs at once (see
// reserveSeqs) and numbers its events from it: the seq is known without a
// round trip, so the insert is deferred like the ticket's and goes out with
// the next statement. A block serves the workspaces whose lock was held
// when it was taken; an event of another workspace locks it and takes a
// new block (higher, so a transaction's events still rise in the order it
// writes them). Seqs left unused are gaps, which paging by seq never minds.
func (t *txn) CreateEvent(ctx context.Context, e *helpdesk.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(t.tx.seqs) == 0 || !t.tx.seqsCover[e.WorkspaceID] {
		if err := t.reserveSeqs(ctx, e.WorkspaceID); err != nil {
			return err
		}
	}
	e.Seq, t.tx.seqs = t.tx.seqs[0], t.tx.seqs[1:]
	what := "create event " + e.Type
	if err := t.deferWrite(ctx, e.WorkspaceID, what,
		`INSERT INTO events (seq, id, workspace_id, type, payload, created_at, webhook_pending) OVERRIDING SYSTEM VALUE
		VALUES ($1, $2, $3, $4, $5, $6, `+fanOutPending+`)`,
		e.Seq, e.ID, e.WorkspaceID, e.Type, []byte(e.Payload), e.CreatedAt); err != nil {
		return err
	}
	if !t.tx.woken[""] && !t.tx.woken[e.WorkspaceID] {
		// Wake the dispatchers only for a workspace that has an endpoint
		// (see fanOutPending): with none, there is no work for them.
		if err := t.deferWrite(ctx, e.WorkspaceID, "notify webhook dispatchers", notifyFanOutSQL, e.WorkspaceID); err != nil {
			return err
		}
		t.tx.wake(e.WorkspaceID)
	}
	return nil
}

// fanOutPending decides an event's webhook_pending as it is written: only
// a workspace with an active endpoint has anything to fan out, and most
// have none, so their events are written already done instead of passing
// through the dispatcher (a read and an update of five indexes each). The
// workspace's row lock, which the transaction holds by now, orders this
// against an endpoint being created or enabled (lockWorkspaceRow), so an
// endpoint gets exactly the events committed after it.
const fanOutPending = `EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.workspace_id = $3 AND w.active)`

// lockWorkspaceRow takes workspaceID's row lock, unless the transaction
// holds it already.
func (t *txn) lockWorkspaceRow(ctx context.Context, workspaceID string) error {
	if t.tx.locked[workspaceID] {
		return nil
	}
	if _, err := t.exec(ctx, workspaceID, lockWorkspace, workspaceID); err != nil {
		return wrapErr(err, "lock workspace %s", workspaceID)
	}
	t.tx.lock(workspaceID)
	return nil
}

// seqBlock is how many event seqs a transaction takes at once per
// workspace: about what one group-commit batch writes.
const seqBlock = 64

// reserveSeqs takes the workspace's row lock, unless the transaction holds
// it already, and then a block of seqs, in one round trip. The block serves
// every workspace locked by then.
func (t *txn) reserveSeqs(ctx context.Context, workspaceID string) error {
	lock := !t.tx.locked[workspaceID]
	var stmts []stmt
	if lock {
		stmts = append(stmts, stmt{lockWorkspace, []any{workspaceID}})
	}
	stmts = append(stmts, reserveSeqsStmt)
	br, err := t.pipeline(ctx, workspaceID, stmts...)
	if err != nil {
		return wrapErr(err, "lock workspace %s", workspaceID)
	}
	defer br.Close()
	if lock {
		var one int
		if err := t.note(br.QueryRow().Scan(&one)); err != nil {
			return wrapErr(err, "lock workspace %s", workspaceID)
		}
		t.tx.lock(workspaceID)
	}
	var seqs []int64
	if err := t.note(br.QueryRow().Scan(&seqs)); err != nil {
		return wrapErr(err, "event seqs of workspace %s", workspaceID)
	}
	if err := t.note(br.Close()); err != nil {
		return wrapErr(err, "event seqs of workspace %s", workspaceID)
	}
	t.tx.useSeqs(seqs)
	return nil
}

// reserveSeqsStmt takes a block of event seqs. events_seq_seq is the
// sequence behind events.seq (0001_init.sql); as a literal it is looked up
// once per statement, not once per value.
var reserveSeqsStmt = stmt{`SELECT array_agg(nextval('events_seq_seq')) FROM generate_series(1, $1)`,
	[]any{seqBlock}}

// useSeqs makes seqs, just taken, the block the transaction's events are
// numbered from; it serves the workspaces locked by now.
func (s *txState) useSeqs(seqs []int64) {
	slices.Sort(seqs) // one session's nextval calls rise; the aggregate need not keep their order
	s.seqs = seqs
	s.seqsCover = maps.Clone(s.locked)
}

// lockWorkspace takes a workspace's row lock until the transaction ends.
const lockWorkspace = `SELECT 1 FROM workspaces WHERE id = $1 FOR NO KEY UPDATE`

// notifyFanOutSQL is notifyWork's statement (notify.go) for an event of
// workspace $1, sent with the event's insert: it wakes the dispatchers when
// the event waits for fan-out.
const notifyFanOutSQL = `SELECT pg_notify('` + wakeChannel + `', '')
	WHERE EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.workspace_id = $1 AND w.active)`

// wrapConflict is wrapErr for an INSERT … ON CONFLICT DO NOTHING RETURNING:
// no row back means the row was already there.
func wrapConflict(t *txn, err error, format string, args ...any) error {
	err = wrapErr(err, format, args...)
	if isNotFound(err) {
		t.tx.raced = true
		return conflict(format, args...)
	}
	return err
}

// Events returns the workspace's events after afterSeq, oldest first.
func (r reader) Events(ctx context.Context, workspaceID string, afterSeq int64, limit int) ([]helpdesk.Event, error) {
	return list(ctx, r, workspaceID, "events", scanEvent,
		`SELECT seq, id, workspace_id, type, payload, created_at FROM events
		WHERE workspace_id = $1 AND seq > $2
		ORDER BY seq
		LIMIT $3`, workspaceID, afterSeq, noLimit(limit))
}

func scanEvent(row scanner) (helpdesk.Event, error) {
	var (
		e       helpdesk.Event
		payload []byte
	)
	err := row.Scan(&e.Seq, &e.ID, &e.WorkspaceID, &e.Type, &payload, &e.CreatedAt)
	e.Payload = payload
	return e, err
}

// DeleteEventsBefore prunes every workspace's events created before t.
func (t *txn) DeleteEventsBefore(ctx context.Context, before time.Time) error {
	if _, err := t.exec(ctx, "", `SELECT tixallo_delete_events_before($1)`, before); err != nil {
		return wrapErr(err, "delete old events")
	}
	return nil
}
