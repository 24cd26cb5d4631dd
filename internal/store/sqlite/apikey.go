package sqlite

import (
	"context"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// apiKeySelect reads a key with the name of the user who created it.
const apiKeySelect = `SELECT k.id, k.workspace_id, k.name, k.key_id, k.hash, k.scope, k.created_at, k.created_by,
		k.last_used_at, k.expires_at, k.revoked_at, k.revoked_by, u.name
	FROM api_keys k
	LEFT JOIN users u ON u.id = k.created_by`

func scanAPIKey(row scanner) (helpdesk.APIKey, error) {
	var (
		k       helpdesk.APIKey
		creator *string
	)
	err := row.Scan(&k.ID, &k.WorkspaceID, &k.Name, &k.KeyID, &k.Hash, &k.Scope, timeCol{&k.CreatedAt}, &k.CreatedBy,
		nullTimeCol{&k.LastUsedAt}, nullTimeCol{&k.ExpiresAt}, nullTimeCol{&k.RevokedAt}, &k.RevokedBy, &creator)
	k.CreatedByName = actorName(k.CreatedBy, creator)
	return k, err
}

// APIKeyByKeyID finds a key by its public id in any workspace: the key is
// what tells the API which workspace a request belongs to.
func (r reader) APIKeyByKeyID(ctx context.Context, keyID string) (*helpdesk.APIKey, error) {
	k, err := scanAPIKey(r.queryRow(ctx, apiKeySelect+` WHERE k.key_id = ?`, keyID))
	if err != nil {
		return nil, wrapErr(err, "api key %s", keyID)
	}
	return &k, nil
}

// APIKeys lists a workspace's keys, revoked ones included, newest first.
func (r reader) APIKeys(ctx context.Context, workspaceID string) ([]helpdesk.APIKey, error) {
	return list(ctx, r, "api keys", scanAPIKey,
		apiKeySelect+` WHERE k.workspace_id = ? ORDER BY k.created_at DESC, k.id DESC`, workspaceID)
}

// CreateAPIKey stores a key record; a key id that is taken is ErrConflict.
func (t *txn) CreateAPIKey(ctx context.Context, k *helpdesk.APIKey) error {
	t.keysChanged = true
	_, err := t.exec(ctx, `INSERT INTO api_keys (id, workspace_id, name, key_id, hash, scope, created_at, created_by,
			last_used_at, expires_at, revoked_at, revoked_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.WorkspaceID, k.Name, k.KeyID, k.Hash, k.Scope, micros(k.CreatedAt), k.CreatedBy,
		nullMicros(k.LastUsedAt), nullMicros(k.ExpiresAt), nullMicros(k.RevokedAt), k.RevokedBy)
	if err != nil {
		return wrapErr(err, "create api key %s", k.KeyID)
	}
	return nil
}

// RevokeAPIKey revokes the key with record id id. Revoking twice keeps the
// first revocation's time and actor: the audit trail must not be rewritten.
func (t *txn) RevokeAPIKey(ctx context.Context, workspaceID, id, by string, at time.Time) error {
	t.keysChanged = true
	return t.execOne(ctx, "revoke api key "+id,
		`UPDATE api_keys
		SET revoked_at = COALESCE(revoked_at, ?),
		    revoked_by = CASE WHEN revoked_at IS NULL THEN ? ELSE revoked_by END
		WHERE workspace_id = ? AND id = ?`, micros(at), by, workspaceID, id)
}

// TouchAPIKeys sets last_used_at for keys named by their record id (APIKey.ID),
// never moving it backwards: batches from several instances may arrive out
// of order. Ids of keys that no longer exist are skipped.
func (t *txn) TouchAPIKeys(ctx context.Context, used map[string]time.Time) error {
	t.keysChanged = true
	for id, at := range used {
		_, err := t.exec(ctx, `UPDATE api_keys SET last_used_at = ?
			WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`, micros(at), id, micros(at))
		if err != nil {
			return wrapErr(err, "touch api key %s", id)
		}
	}
	return nil
}
