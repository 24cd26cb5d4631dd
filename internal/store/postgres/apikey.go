package postgres

import (
	"context"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

const apiKeyColumns = `k.id, k.workspace_id, k.name, k.key_id, k.hash, k.scope, k.created_at, k.created_by,
	k.last_used_at, k.expires_at, k.revoked_at, k.revoked_by, u.name`

func scanAPIKey(row scanner) (helpdesk.APIKey, error) {
	var (
		k       helpdesk.APIKey
		creator *string
	)
	err := row.Scan(&k.ID, &k.WorkspaceID, &k.Name, &k.KeyID, &k.Hash, &k.Scope, &k.CreatedAt, &k.CreatedBy,
		&k.LastUsedAt, &k.ExpiresAt, &k.RevokedAt, &k.RevokedBy, &creator)
	k.CreatedByName = actorName(k.CreatedBy, creator)
	return k, err
}

// APIKeyByKeyID finds a key by its public id in any workspace: the key is
// what tells the API which workspace a request belongs to, so this look-up
// goes through a definer function. KeyCachedStore puts a cache in front of
// it.
func (r reader) APIKeyByKeyID(ctx context.Context, keyID string) (*helpdesk.APIKey, error) {
	k, err := scanAPIKey(r.queryRow(ctx, "", `SELECT `+apiKeyColumns+`
		FROM tixallo_api_key_by_key_id($1) k LEFT JOIN users u ON u.id = k.created_by`, keyID))
	if err != nil {
		return nil, wrapErr(err, "api key %s", keyID)
	}
	return &k, nil
}

// APIKeys lists a workspace's keys, revoked ones included, newest first.
func (r reader) APIKeys(ctx context.Context, workspaceID string) ([]helpdesk.APIKey, error) {
	return list(ctx, r, workspaceID, "api keys", scanAPIKey,
		`SELECT `+apiKeyColumns+` FROM api_keys k LEFT JOIN users u ON u.id = k.created_by
		WHERE k.workspace_id = $1 ORDER BY k.created_at DESC, k.id DESC`, workspaceID)
}

// CreateAPIKey stores a key record; a key id that is taken is ErrConflict.
func (t *txn) CreateAPIKey(ctx context.Context, k *helpdesk.APIKey) error {
	return t.insert(ctx, k.WorkspaceID, "create api key "+k.KeyID,
		`INSERT INTO api_keys (id, workspace_id, name, key_id, hash, scope, created_at, created_by,
			last_used_at, expires_at, revoked_at, revoked_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		k.ID, k.WorkspaceID, k.Name, k.KeyID, k.Hash, k.Scope, k.CreatedAt, k.CreatedBy,
		k.LastUsedAt, k.ExpiresAt, k.RevokedAt, k.RevokedBy)
}

// RevokeAPIKey revokes the key with record id id. Revoking twice keeps the
// first revocation's time and actor: the audit trail must not be rewritten.
// The same statement queues a notification naming the key id, which every
// instance's key cache (KeyCachedStore) receives when, and only if, the
// revocation commits.
func (t *txn) RevokeAPIKey(ctx context.Context, workspaceID, id, by string, at time.Time) error {
	return t.execOne(ctx, workspaceID, "revoke api key "+id,
		`WITH u AS (
			UPDATE api_keys
			SET revoked_at = COALESCE(revoked_at, $1),
			    revoked_by = CASE WHEN revoked_at IS NULL THEN $2 ELSE revoked_by END
			WHERE workspace_id = $3 AND id = $4
			RETURNING key_id)
		SELECT pg_notify('`+keysChannel+`', key_id) FROM u`, at, by, workspaceID, id)
}

// TouchAPIKeys sets last_used_at for keys named by their record id, never
// moving it backwards: batches from several instances may arrive out of
// order. The keys may belong to many workspaces (one instance's batch), so
// a definer function does it in one statement.
func (t *txn) TouchAPIKeys(ctx context.Context, used map[string]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	ids := make([]string, 0, len(used))
	ats := make([]time.Time, 0, len(used))
	for id, at := range used {
		ids = append(ids, id)
		ats = append(ats, at)
	}
	if _, err := t.exec(ctx, "", `SELECT tixallo_touch_api_keys($1, $2)`, ids, ats); err != nil {
		return wrapErr(err, "touch api keys")
	}
	return nil
}
