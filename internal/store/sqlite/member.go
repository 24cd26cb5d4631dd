package sqlite

import (
	"context"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// memberSelect joins a membership with its user's email and name.
const memberSelect = `SELECT m.workspace_id, m.user_id, m.role, u.email, u.name, m.created_at
	FROM memberships m JOIN users u ON u.id = m.user_id`

func scanMember(row scanner) (helpdesk.Member, error) {
	var m helpdesk.Member
	err := row.Scan(&m.WorkspaceID, &m.UserID, &m.Role, &m.Email, &m.Name, timeCol{&m.CreatedAt})
	return m, err
}

func (r reader) MembershipsOfUser(ctx context.Context, userID string) ([]helpdesk.Member, error) {
	return list(ctx, r, "memberships of user "+userID, scanMember,
		memberSelect+` WHERE m.user_id = ? ORDER BY m.created_at, m.workspace_id`, userID)
}

func (r reader) Member(ctx context.Context, workspaceID, userID string) (*helpdesk.Member, error) {
	m, err := scanMember(r.queryRow(ctx, memberSelect+` WHERE m.workspace_id = ? AND m.user_id = ?`, workspaceID, userID))
	if err != nil {
		return nil, wrapErr(err, "member %s", userID)
	}
	return &m, nil
}

// Members lists a workspace's team in the order its members joined.
func (r reader) Members(ctx context.Context, workspaceID string) ([]helpdesk.Member, error) {
	return list(ctx, r, "members", scanMember,
		memberSelect+` WHERE m.workspace_id = ? ORDER BY m.created_at, m.user_id`, workspaceID)
}

func (r reader) CountOwners(ctx context.Context, workspaceID string) (int, error) {
	var n int
	err := r.queryRow(ctx, `SELECT COUNT(*) FROM memberships WHERE workspace_id = ? AND role = 'owner'`,
		workspaceID).Scan(&n)
	if err != nil {
		return 0, wrapErr(err, "count owners")
	}
	return n, nil
}

func (t *txn) CreateMember(ctx context.Context, m *helpdesk.Member) error {
	_, err := t.exec(ctx, `INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?)`,
		m.WorkspaceID, m.UserID, m.Role, micros(m.CreatedAt))
	if err != nil {
		return wrapErr(err, "create member %s", m.UserID)
	}
	return nil
}

func (t *txn) UpdateMemberRole(ctx context.Context, workspaceID, userID string, role helpdesk.Role) error {
	return t.execOne(ctx, "update role of member "+userID,
		`UPDATE memberships SET role = ? WHERE workspace_id = ? AND user_id = ?`, role, workspaceID, userID)
}

func (t *txn) DeleteMember(ctx context.Context, workspaceID, userID string) error {
	return t.execOne(ctx, "delete member "+userID,
		`DELETE FROM memberships WHERE workspace_id = ? AND user_id = ?`, workspaceID, userID)
}
