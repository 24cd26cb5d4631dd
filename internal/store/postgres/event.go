package postgres

import (
	"context"
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
// order is commit order. The lock (unless the batch's transaction holds it
// already), the insert and the wake-up go in one round trip, in that order.
func (t *txn) CreateEvent(ctx context.Context, e *helpdesk.Event) error {
	lock := !t.tx.locked[e.WorkspaceID]
	notify := !t.tx.notified
	var stmts []stmt
	if lock {
		stmts = append(stmts, stmt{lockWorkspace, []any{e.WorkspaceID}})
	}
	stmts = append(stmts, stmt{`INSERT INTO events (id, workspace_id, type, payload, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING seq`,
		[]any{e.ID, e.WorkspaceID, e.Type, []byte(e.Payload), e.CreatedAt}})
	if notify {
		stmts = append(stmts, stmt{notifyWorkSQL, nil})
	}
	br, err := t.pipeline(ctx, e.WorkspaceID, stmts...)
	if err != nil {
		return wrapErr(err, "create event %s", e.Type)
	}
	defer br.Close()
	if lock {
		var one int
		if err := t.note(br.QueryRow().Scan(&one)); err != nil {
			return wrapErr(err, "lock workspace %s", e.WorkspaceID)
		}
		t.tx.lock(e.WorkspaceID)
	}
	if err := t.note(br.QueryRow().Scan(&e.Seq)); err != nil {
		return wrapConflict(t, err, "create event %s", e.Type)
	}
	if notify {
		if _, err := br.Exec(); err != nil {
			return wrapErr(t.note(err), "notify webhook dispatchers")
		}
		t.tx.notified = true
	}
	return t.note(br.Close())
}

// lockWorkspace takes a workspace's row lock until the transaction ends.
const lockWorkspace = `SELECT 1 FROM workspaces WHERE id = $1 FOR NO KEY UPDATE`

// notifyWorkSQL is notifyWork's statement (notify.go), sent here in the
// event's round trip.
const notifyWorkSQL = `SELECT pg_notify('` + wakeChannel + `', '')`

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
