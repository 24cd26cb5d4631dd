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
// order is commit order.
func (t *txn) CreateEvent(ctx context.Context, e *helpdesk.Event) error {
	if err := t.lockWorkspace(ctx, e.WorkspaceID); err != nil {
		return err
	}
	err := t.queryRow(ctx, e.WorkspaceID, `INSERT INTO events (id, workspace_id, type, payload, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING seq`,
		e.ID, e.WorkspaceID, e.Type, []byte(e.Payload), e.CreatedAt).Scan(&e.Seq)
	if err != nil {
		return wrapConflict(t, err, "create event %s", e.Type)
	}
	return t.notifyWork(ctx)
}

// lockWorkspace takes the workspace's row lock once per transaction.
func (t *txn) lockWorkspace(ctx context.Context, workspaceID string) error {
	if t.tx.locked == nil {
		t.tx.locked = map[string]bool{}
	}
	if t.tx.locked[workspaceID] {
		return nil
	}
	var one int
	err := t.queryRow(ctx, workspaceID, `SELECT 1 FROM workspaces WHERE id = $1 FOR NO KEY UPDATE`, workspaceID).Scan(&one)
	if err != nil {
		return wrapErr(err, "lock workspace %s", workspaceID)
	}
	t.tx.locked[workspaceID] = true
	return nil
}

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
