package postgres

import (
	"context"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// memberSelect joins a membership with its user's email and name.
const memberSelect = `SELECT m.workspace_id, m.user_id, m.role, u.email, u.name, m.created_at
	FROM memberships m JOIN users u ON u.id = m.user_id`

func scanMember(row scanner) (helpdesk.Member, error) {
	var m helpdesk.Member
	err := row.Scan(&m.WorkspaceID, &m.UserID, &m.Role, &m.Email, &m.Name, &m.CreatedAt)
	return m, err
}

// MembershipsOfUser crosses workspaces by nature (which workspaces may this
// user enter?), so it goes through a definer function.
func (r reader) MembershipsOfUser(ctx context.Context, userID string) ([]helpdesk.Member, error) {
	return list(ctx, r, "", "memberships of user "+userID, scanMember,
		`SELECT workspace_id, user_id, role, email, name, created_at FROM tixallo_memberships_of_user($1)`, userID)
}

func (r reader) Member(ctx context.Context, workspaceID, userID string) (*helpdesk.Member, error) {
	m, err := scanMember(r.queryRow(ctx, workspaceID,
		memberSelect+` WHERE m.workspace_id = $1 AND m.user_id = $2`, workspaceID, userID))
	if err != nil {
		return nil, wrapErr(err, "member %s", userID)
	}
	return &m, nil
}

// Members lists a workspace's team in the order its members joined.
func (r reader) Members(ctx context.Context, workspaceID string) ([]helpdesk.Member, error) {
	return list(ctx, r, workspaceID, "members", scanMember,
		memberSelect+` WHERE m.workspace_id = $1 ORDER BY m.created_at, m.user_id`, workspaceID)
}

func (r reader) CountOwners(ctx context.Context, workspaceID string) (int, error) {
	var n int
	err := r.queryRow(ctx, workspaceID,
		// FOR UPDATE locks the owner rows, so two transactions that each
		// demote or remove a different owner of a two-owner workspace run one
		// after the other: the second re-reads the rows after the first
		// commits, counts one owner and refuses. A plain count would let both
		// see two owners and leave the workspace with none (SQLite's single
		// writer serialises them anyway).
		`SELECT COUNT(*) FROM (SELECT 1 FROM memberships WHERE workspace_id = $1 AND role = 'owner' FOR UPDATE) owners`, workspaceID).Scan(&n)
	if err != nil {
		return 0, wrapErr(err, "count owners")
	}
	return n, nil
}

func (t *txn) CreateMember(ctx context.Context, m *helpdesk.Member) error {
	return t.insert(ctx, m.WorkspaceID, "create member "+m.UserID,
		`INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)`,
		m.WorkspaceID, m.UserID, m.Role, m.CreatedAt)
}

func (t *txn) UpdateMemberRole(ctx context.Context, workspaceID, userID string, role helpdesk.Role) error {
	return t.execOne(ctx, workspaceID, "update role of member "+userID,
		`UPDATE memberships SET role = $1 WHERE workspace_id = $2 AND user_id = $3`, role, workspaceID, userID)
}

func (t *txn) DeleteMember(ctx context.Context, workspaceID, userID string) error {
	return t.execOne(ctx, workspaceID, "delete member "+userID,
		`DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2`, workspaceID, userID)
}
