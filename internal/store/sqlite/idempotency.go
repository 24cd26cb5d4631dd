package sqlite

import (
	"context"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

func (r reader) IdempotencyRecord(ctx context.Context, workspaceID, key string) (*helpdesk.IdempotencyRecord, error) {
	var rec helpdesk.IdempotencyRecord
	err := r.queryRow(ctx, `SELECT workspace_id, key, fingerprint, status, body, location, created_at, locked_until
		FROM idempotency_records WHERE workspace_id = ? AND key = ?`, workspaceID, key).
		Scan(&rec.WorkspaceID, &rec.Key, &rec.Fingerprint, &rec.Status, &rec.Body, &rec.Location,
			timeCol{&rec.CreatedAt}, timeCol{&rec.LockedUntil})
	if err != nil {
		return nil, wrapErr(err, "idempotency key %q", key)
	}
	return &rec, nil
}

// CreateIdempotencyRecord claims a key; a key the workspace already holds
// is ErrConflict.
func (t *txn) CreateIdempotencyRecord(ctx context.Context, rec *helpdesk.IdempotencyRecord) error {
	_, err := t.exec(ctx, `INSERT INTO idempotency_records
			(workspace_id, key, fingerprint, status, body, location, created_at, locked_until)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		rec.WorkspaceID, rec.Key, rec.Fingerprint, rec.Status, rec.Body, rec.Location,
		micros(rec.CreatedAt), micros(rec.LockedUntil))
	if err != nil {
		return wrapErr(err, "claim idempotency key %q", rec.Key)
	}
	return nil
}

// CompleteIdempotencyRecord stores the response of a claimed key.
func (t *txn) CompleteIdempotencyRecord(ctx context.Context, rec *helpdesk.IdempotencyRecord) error {
	return t.execOne(ctx, "complete idempotency key "+rec.Key,
		`UPDATE idempotency_records SET status = ?, body = ?, location = ? WHERE workspace_id = ? AND key = ?`,
		rec.Status, rec.Body, rec.Location, rec.WorkspaceID, rec.Key)
}

// DeleteIdempotencyRecord releases a key. Releasing a key that is not held
// is not an error.
func (t *txn) DeleteIdempotencyRecord(ctx context.Context, workspaceID, key string) error {
	if _, err := t.exec(ctx, `DELETE FROM idempotency_records WHERE workspace_id = ? AND key = ?`,
		workspaceID, key); err != nil {
		return wrapErr(err, "delete idempotency key %q", key)
	}
	return nil
}

// DeleteIdempotencyRecordsBefore prunes records created before t.
func (t *txn) DeleteIdempotencyRecordsBefore(ctx context.Context, before time.Time) error {
	if _, err := t.exec(ctx, `DELETE FROM idempotency_records WHERE created_at < ?`, micros(before)); err != nil {
		return wrapErr(err, "delete old idempotency keys")
	}
	return nil
}
