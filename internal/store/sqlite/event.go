package sqlite

import (
	"context"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// CreateEvent appends to the outbox. seq is an AUTOINCREMENT rowid, so it
// grows in commit order (there is one writer) and is never reused, even
// after old events are pruned.
func (t *txn) CreateEvent(ctx context.Context, e *helpdesk.Event) error {
	// Only a workspace with an active endpoint has anything to fan out; the
	// events of the others are written already done. The single writer
	// orders this against endpoints being created or enabled.
	err := t.queryRow(ctx, `INSERT INTO events (id, workspace_id, type, payload, created_at, webhook_pending)
		VALUES (?1, ?2, ?3, ?4, ?5,
			EXISTS (SELECT 1 FROM webhook_endpoints WHERE workspace_id = ?2 AND active = 1)) RETURNING seq`,
		e.ID, e.WorkspaceID, e.Type, []byte(e.Payload), micros(e.CreatedAt)).Scan(&e.Seq)
	if err != nil {
		return wrapErr(err, "create event %s", e.Type)
	}
	return nil
}

// Events returns the workspace's events after afterSeq, oldest first.
func (r reader) Events(ctx context.Context, workspaceID string, afterSeq int64, limit int) ([]helpdesk.Event, error) {
	return list(ctx, r, "events", scanEvent,
		`SELECT seq, id, workspace_id, type, payload, created_at FROM events
		WHERE workspace_id = ? AND seq > ?
		ORDER BY seq
		LIMIT ?`, workspaceID, afterSeq, noLimit(limit))
}

func scanEvent(row scanner) (helpdesk.Event, error) {
	var (
		e       helpdesk.Event
		payload []byte
	)
	err := row.Scan(&e.Seq, &e.ID, &e.WorkspaceID, &e.Type, &payload, timeCol{&e.CreatedAt})
	e.Payload = payload
	return e, err
}

// DeleteEventsBefore prunes events created before t.
func (t *txn) DeleteEventsBefore(ctx context.Context, before time.Time) error {
	if _, err := t.exec(ctx, `DELETE FROM events WHERE created_at < ?`, micros(before)); err != nil {
		return wrapErr(err, "delete old events")
	}
	return nil
}
