package postgres

import (
	"context"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// Sessions are found by the hash of their token, which is the credential
// that names the workspace, so every read and write by token goes through a
// definer function. Creating one names its workspace and obeys the policy.

func (r reader) Session(ctx context.Context, tokenHash []byte) (*helpdesk.Session, error) {
	var s helpdesk.Session
	err := r.queryRow(ctx, "", `SELECT token_hash, user_id, workspace_id, created_at, last_seen_at, expires_at
		FROM tixallo_session($1)`, tokenHash).
		Scan(&s.TokenHash, &s.UserID, &s.WorkspaceID, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt)
	if err != nil {
		return nil, wrapErr(err, "session")
	}
	return &s, nil
}

func (t *txn) CreateSession(ctx context.Context, s *helpdesk.Session) error {
	return t.insert(ctx, s.WorkspaceID, "create session",
		`INSERT INTO sessions (token_hash, user_id, workspace_id, created_at, last_seen_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		s.TokenHash, s.UserID, s.WorkspaceID, s.CreatedAt, s.LastSeenAt, s.ExpiresAt)
}

func (t *txn) TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error {
	var n int64
	if err := t.queryRow(ctx, "", `SELECT tixallo_touch_session($1, $2)`, tokenHash, at).Scan(&n); err != nil {
		return wrapErr(err, "touch session")
	}
	if n == 0 {
		return notFound("touch session")
	}
	return nil
}

// DeleteSession is idempotent: logging out of a session that expired and was
// pruned meanwhile is not an error.
func (t *txn) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := t.exec(ctx, "", `SELECT tixallo_delete_session($1)`, tokenHash); err != nil {
		return wrapErr(err, "delete session")
	}
	return nil
}

func (t *txn) DeleteUserSessions(ctx context.Context, userID string) error {
	if _, err := t.exec(ctx, "", `SELECT tixallo_delete_user_sessions($1)`, userID); err != nil {
		return wrapErr(err, "delete sessions of user %s", userID)
	}
	return nil
}

// DeleteExpiredSessions removes sessions whose absolute timeout is at or
// before now.
func (t *txn) DeleteExpiredSessions(ctx context.Context, now time.Time) error {
	if _, err := t.exec(ctx, "", `SELECT tixallo_delete_expired_sessions($1)`, now); err != nil {
		return wrapErr(err, "delete expired sessions")
	}
	return nil
}
