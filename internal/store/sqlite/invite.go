package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

const inviteColumns = `id, workspace_id, email, role, token_hash, invited_by, created_at, expires_at, accepted_at`

func scanInvite(row scanner) (helpdesk.Invite, error) {
	var inv helpdesk.Invite
	err := row.Scan(&inv.ID, &inv.WorkspaceID, &inv.Email, &inv.Role, &inv.TokenHash, &inv.InvitedBy,
		timeCol{&inv.CreatedAt}, timeCol{&inv.ExpiresAt}, nullTimeCol{&inv.AcceptedAt})
	return inv, err
}

// InviteByTokenHash finds an invite by its link's token, which is the
// credential, whatever its workspace.
func (r reader) InviteByTokenHash(ctx context.Context, tokenHash []byte) (*helpdesk.Invite, error) {
	inv, err := scanInvite(r.queryRow(ctx, `SELECT `+inviteColumns+` FROM invites WHERE token_hash = ?`, tokenHash))
	if err != nil {
		return nil, wrapErr(err, "invite")
	}
	return &inv, nil
}

// Invites lists a workspace's invites, accepted ones included, newest first.
func (r reader) Invites(ctx context.Context, workspaceID string) ([]helpdesk.Invite, error) {
	return list(ctx, r, "invites", scanInvite,
		`SELECT `+inviteColumns+` FROM invites WHERE workspace_id = ? ORDER BY created_at DESC, id DESC`, workspaceID)
}

func (t *txn) CreateInvite(ctx context.Context, inv *helpdesk.Invite) error {
	_, err := t.exec(ctx, `INSERT INTO invites (`+inviteColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		inv.ID, inv.WorkspaceID, inv.Email, inv.Role, inv.TokenHash, inv.InvitedBy,
		micros(inv.CreatedAt), micros(inv.ExpiresAt), nullMicros(inv.AcceptedAt))
	if err != nil {
		return wrapErr(err, "create invite")
	}
	return nil
}

// AcceptInvite marks the invite used. An invite link works once: accepting
// it again is ErrConflict, even when two requests race.
func (t *txn) AcceptInvite(ctx context.Context, workspaceID, id string, at time.Time) error {
	res, err := t.exec(ctx, `UPDATE invites SET accepted_at = ?
		WHERE workspace_id = ? AND id = ? AND accepted_at IS NULL`, micros(at), workspaceID, id)
	if err != nil {
		return wrapErr(err, "accept invite %s", id)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrapErr(err, "accept invite %s", id)
	}
	if n == 1 {
		return nil
	}
	var exists bool
	err = t.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM invites WHERE workspace_id = ? AND id = ?)`,
		workspaceID, id).Scan(&exists)
	switch {
	case err != nil:
		return wrapErr(err, "accept invite %s", id)
	case exists:
		return fmt.Errorf("invite %s already accepted: %w", id, helpdesk.ErrConflict)
	}
	return notFound("invite %s", id)
}

func (t *txn) DeleteInvite(ctx context.Context, workspaceID, id string) error {
	return t.execOne(ctx, "delete invite "+id, `DELETE FROM invites WHERE workspace_id = ? AND id = ?`, workspaceID, id)
}
