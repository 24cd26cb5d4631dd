package postgres

import "context"

// TicketsVersion reads the version of the workspace's tickets that
// migrations/0008 keeps: the last ticket number handed out plus the count
// of changes to existing tickets. The API reads it on the rate limiter's
// round trip instead (Limiter.AllowWithTicketsVersion); this is for a
// caller that has no such trip to share.
func (r reader) TicketsVersion(ctx context.Context, workspaceID string) (int64, error) {
	var v int64
	err := r.queryRow(ctx, workspaceID, `SELECT w.ticket_seq + COALESCE(c.changes, 0)
		FROM workspaces w LEFT JOIN ticket_changes c ON c.workspace_id = w.id
		WHERE w.id = $1`, workspaceID).Scan(&v)
	if err != nil {
		return 0, wrapErr(err, "tickets version of workspace %s", workspaceID)
	}
	return v, nil
}
