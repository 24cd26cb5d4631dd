package postgres

import (
	"context"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

func (r reader) IdempotencyRecord(ctx context.Context, workspaceID, key string) (*helpdesk.IdempotencyRecord, error) {
	var rec helpdesk.IdempotencyRecord
	err := r.queryRow(ctx, workspaceID, `SELECT workspace_id, key, fingerprint, status, body, location, created_at, locked_until
		FROM idempotency_records WHERE workspace_id = $1 AND key = $2`, workspaceID, key).
		Scan(&rec.WorkspaceID, &rec.Key, &rec.Fingerprint, &rec.Status, &rec.Body, &rec.Location,
			&rec.CreatedAt, &rec.LockedUntil)
	if err != nil {
		return nil, wrapErr(err, "idempotency key %q", key)
	}
	return &rec, nil
}

// CreateIdempotencyRecord claims a key; a key the workspace already holds
// is ErrConflict. Two instances claiming one key at once meet at the
// primary key: the second waits for the first to commit and then conflicts.
func (t *txn) CreateIdempotencyRecord(ctx context.Context, rec *helpdesk.IdempotencyRecord) error {
	return t.insert(ctx, rec.WorkspaceID, "claim idempotency key "+rec.Key,
		`INSERT INTO idempotency_records
			(workspace_id, key, fingerprint, status, body, location, created_at, locked_until)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		rec.WorkspaceID, rec.Key, rec.Fingerprint, rec.Status, rec.Body, rec.Location,
		rec.CreatedAt, rec.LockedUntil)
}

// CompleteIdempotencyRecord stores the response of a claimed key.
func (t *txn) CompleteIdempotencyRecord(ctx context.Context, rec *helpdesk.IdempotencyRecord) error {
	return t.execOne(ctx, rec.WorkspaceID, "complete idempotency key "+rec.Key,
		`UPDATE idempotency_records SET status = $1, body = $2, location = $3 WHERE workspace_id = $4 AND key = $5`,
		rec.Status, rec.Body, rec.Location, rec.WorkspaceID, rec.Key)
}

// DeleteIdempotencyRecord releases a key. Releasing a key that is not held
// is not an error.
func (t *txn) DeleteIdempotencyRecord(ctx context.Context, workspaceID, key string) error {
	if _, err := t.exec(ctx, workspaceID, `DELETE FROM idempotency_records WHERE workspace_id = $1 AND key = $2`,
		workspaceID, key); err != nil {
		return wrapErr(err, "delete idempotency key %q", key)
	}
	return nil
}

// DeleteIdempotencyRecordsBefore prunes every workspace's records created
// before t.
func (t *txn) DeleteIdempotencyRecordsBefore(ctx context.Context, before time.Time) error {
	if _, err := t.exec(ctx, "", `SELECT tixallo_delete_idempotency_records_before($1)`, before); err != nil {
		return wrapErr(err, "delete old idempotency keys")
	}
	return nil
}
