package sqlite

import "context"

// TicketsVersion reads the version of the workspace's tickets that
// migrations/0003 keeps: the last ticket number handed out plus the count
// of changes to existing tickets.
func (r reader) TicketsVersion(ctx context.Context, workspaceID string) (int64, error) {
	var v int64
	err := r.queryRow(ctx, `SELECT w.ticket_seq + COALESCE(c.changes, 0)
		FROM workspaces w LEFT JOIN ticket_changes c ON c.workspace_id = w.id
		WHERE w.id = ?`, workspaceID).Scan(&v)
	if err != nil {
		return 0, wrapErr(err, "tickets version of workspace %s", workspaceID)
	}
	return v, nil
}
