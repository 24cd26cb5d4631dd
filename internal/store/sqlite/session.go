package sqlite

import (
	"context"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// Sessions are found by the hash of their token, which is the credential;
// they are not looked up by workspace.

func (r reader) Session(ctx context.Context, tokenHash []byte) (*helpdesk.Session, error) {
	var s helpdesk.Session
	err := r.queryRow(ctx, `SELECT token_hash, user_id, workspace_id, created_at, last_seen_at, expires_at
		FROM sessions WHERE token_hash = ?`, tokenHash).
		Scan(&s.TokenHash, &s.UserID, &s.WorkspaceID, timeCol{&s.CreatedAt}, timeCol{&s.LastSeenAt}, timeCol{&s.ExpiresAt})
	if err != nil {
		return nil, wrapErr(err, "session")
	}
	return &s, nil
}

func (t *txn) CreateSession(ctx context.Context, s *helpdesk.Session) error {
	_, err := t.exec(ctx, `INSERT INTO sessions (token_hash, user_id, workspace_id, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`,
		s.TokenHash, s.UserID, s.WorkspaceID, micros(s.CreatedAt), micros(s.LastSeenAt), micros(s.ExpiresAt))
	if err != nil {
		return wrapErr(err, "create session")
	}
	return nil
}

func (t *txn) TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error {
	return t.execOne(ctx, "touch session",
		`UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, micros(at), tokenHash)
}

// DeleteSession is idempotent: logging out of a session that expired and was
// pruned meanwhile is not an error.
func (t *txn) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := t.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return wrapErr(err, "delete session")
	}
	return nil
}

func (t *txn) DeleteUserSessions(ctx context.Context, userID string) error {
	if _, err := t.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return wrapErr(err, "delete sessions of user %s", userID)
	}
	return nil
}

// DeleteExpiredSessions removes sessions whose absolute timeout is at or
// before now.
func (t *txn) DeleteExpiredSessions(ctx context.Context, now time.Time) error {
	if _, err := t.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, micros(now)); err != nil {
		return wrapErr(err, "delete expired sessions")
	}
	return nil
}
