package postgres

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
		&inv.CreatedAt, &inv.ExpiresAt, &inv.AcceptedAt)
	return inv, err
}

// InviteByTokenHash finds an invite by its link's token, which is the
// credential, whatever its workspace: a definer function answers it.
func (r reader) InviteByTokenHash(ctx context.Context, tokenHash []byte) (*helpdesk.Invite, error) {
	inv, err := scanInvite(r.queryRow(ctx, "", `SELECT `+inviteColumns+` FROM tixallo_invite_by_token_hash($1)`, tokenHash))
	if err != nil {
		return nil, wrapErr(err, "invite")
	}
	return &inv, nil
}

// Invites lists a workspace's invites, accepted ones included, newest first.
func (r reader) Invites(ctx context.Context, workspaceID string) ([]helpdesk.Invite, error) {
	return list(ctx, r, workspaceID, "invites", scanInvite,
		`SELECT `+inviteColumns+` FROM invites WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC`, workspaceID)
}

func (t *txn) CreateInvite(ctx context.Context, inv *helpdesk.Invite) error {
	return t.insert(ctx, inv.WorkspaceID, "create invite",
		`INSERT INTO invites (`+inviteColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		inv.ID, inv.WorkspaceID, inv.Email, inv.Role, inv.TokenHash, inv.InvitedBy,
		inv.CreatedAt, inv.ExpiresAt, inv.AcceptedAt)
}

// AcceptInvite marks the invite used. An invite link works once: accepting
// it again is ErrConflict, even when two requests race (the second UPDATE
// waits for the first's row lock and then finds accepted_at set).
func (t *txn) AcceptInvite(ctx context.Context, workspaceID, id string, at time.Time) error {
	tag, err := t.exec(ctx, workspaceID, `UPDATE invites SET accepted_at = $1
		WHERE workspace_id = $2 AND id = $3 AND accepted_at IS NULL`, at, workspaceID, id)
	if err != nil {
		return wrapErr(err, "accept invite %s", id)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var exists bool
	err = t.queryRow(ctx, workspaceID, `SELECT EXISTS (SELECT 1 FROM invites WHERE workspace_id = $1 AND id = $2)`,
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
	return t.execOne(ctx, workspaceID, "delete invite "+id,
		`DELETE FROM invites WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
}
