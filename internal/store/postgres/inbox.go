package postgres

import (
	"context"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

const inboxColumns = `id, workspace_id, name, is_default, created_at`

func scanInbox(row scanner) (helpdesk.Inbox, error) {
	var in helpdesk.Inbox
	err := row.Scan(&in.ID, &in.WorkspaceID, &in.Name, &in.IsDefault, &in.CreatedAt)
	return in, err
}

func (r reader) Inbox(ctx context.Context, workspaceID, id string) (*helpdesk.Inbox, error) {
	in, err := scanInbox(r.queryRow(ctx, workspaceID,
		`SELECT `+inboxColumns+` FROM inboxes WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	if err != nil {
		return nil, wrapErr(err, "inbox %s", id)
	}
	return &in, nil
}

// Inboxes lists a workspace's inboxes by name.
func (r reader) Inboxes(ctx context.Context, workspaceID string) ([]helpdesk.Inbox, error) {
	return list(ctx, r, workspaceID, "inboxes", scanInbox,
		`SELECT `+inboxColumns+` FROM inboxes WHERE workspace_id = $1 ORDER BY name, id`, workspaceID)
}

func (r reader) DefaultInbox(ctx context.Context, workspaceID string) (*helpdesk.Inbox, error) {
	in, err := scanInbox(r.queryRow(ctx, workspaceID,
		`SELECT `+inboxColumns+` FROM inboxes WHERE workspace_id = $1 AND is_default`, workspaceID))
	if err != nil {
		return nil, wrapErr(err, "default inbox")
	}
	return &in, nil
}

// CreateInbox adds an inbox; a second default inbox is ErrConflict.
func (t *txn) CreateInbox(ctx context.Context, in *helpdesk.Inbox) error {
	return t.insert(ctx, in.WorkspaceID, "create inbox "+in.Name,
		`INSERT INTO inboxes (`+inboxColumns+`) VALUES ($1, $2, $3, $4, $5)`,
		in.ID, in.WorkspaceID, in.Name, in.IsDefault, in.CreatedAt)
}

func (t *txn) RenameInbox(ctx context.Context, workspaceID, id, name string) error {
	return t.execOne(ctx, workspaceID, "rename inbox "+id,
		`UPDATE inboxes SET name = $1 WHERE workspace_id = $2 AND id = $3`, name, workspaceID, id)
}

// SetDefaultInbox moves the default flag to id. It checks id first, so an
// unknown id leaves the old default in place even if the caller commits. The
// old default is cleared before the new one is set because the partial
// unique index is checked at every statement, not just at commit.
func (t *txn) SetDefaultInbox(ctx context.Context, workspaceID, id string) error {
	if _, err := t.Inbox(ctx, workspaceID, id); err != nil {
		return err
	}
	if _, err := t.exec(ctx, workspaceID,
		`UPDATE inboxes SET is_default = false WHERE workspace_id = $1 AND is_default AND id <> $2`,
		workspaceID, id); err != nil {
		return wrapErr(err, "clear default inbox")
	}
	return t.execOne(ctx, workspaceID, "set default inbox "+id,
		`UPDATE inboxes SET is_default = true WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
}
