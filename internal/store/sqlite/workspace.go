package sqlite

import (
	"context"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// Workspaces define the tenants, so their reads are not tenant-scoped.

const workspaceColumns = `id, name, slug, created_at`

func scanWorkspace(row scanner) (*helpdesk.Workspace, error) {
	var w helpdesk.Workspace
	if err := row.Scan(&w.ID, &w.Name, &w.Slug, timeCol{&w.CreatedAt}); err != nil {
		return nil, err
	}
	return &w, nil
}

func (r reader) Workspace(ctx context.Context, id string) (*helpdesk.Workspace, error) {
	w, err := scanWorkspace(r.queryRow(ctx, `SELECT `+workspaceColumns+` FROM workspaces WHERE id = ?`, id))
	if err != nil {
		return nil, wrapErr(err, "workspace %s", id)
	}
	return w, nil
}

func (r reader) WorkspaceBySlug(ctx context.Context, slug string) (*helpdesk.Workspace, error) {
	w, err := scanWorkspace(r.queryRow(ctx, `SELECT `+workspaceColumns+` FROM workspaces WHERE slug = ?`, slug))
	if err != nil {
		return nil, wrapErr(err, "workspace %q", slug)
	}
	return w, nil
}

func (t *txn) CreateWorkspace(ctx context.Context, w *helpdesk.Workspace) error {
	_, err := t.exec(ctx, `INSERT INTO workspaces (id, name, slug, created_at) VALUES (?, ?, ?, ?)`,
		w.ID, w.Name, w.Slug, micros(w.CreatedAt))
	if err != nil {
		return wrapErr(err, "create workspace %q", w.Slug)
	}
	return nil
}

// NextTicketNumber increments the workspace's counter inside the
// transaction. The row stays write-locked until commit, and a rollback undoes
// the increment, so numbers are gapless and never handed out twice.
func (t *txn) NextTicketNumber(ctx context.Context, workspaceID string) (int64, error) {
	var n int64
	err := t.queryRow(ctx, `UPDATE workspaces SET ticket_seq = ticket_seq + 1 WHERE id = ? RETURNING ticket_seq`,
		workspaceID).Scan(&n)
	if err != nil {
		return 0, wrapErr(err, "next ticket number of workspace %s", workspaceID)
	}
	return n, nil
}
