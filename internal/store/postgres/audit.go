package postgres

import (
	"context"
	"strings"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// AuditEntries lists entries past the cursor in (created_at, id) order,
// newest first, with a display name for each actor.
func (r reader) AuditEntries(ctx context.Context, workspaceID string, before helpdesk.AuditCursor, limit int) ([]helpdesk.AuditEntry, error) {
	return list(ctx, r, workspaceID, "audit entries", scanAuditEntry,
		`SELECT a.id, a.workspace_id, a.action, a.actor_id, a.target, a.detail, a.ip, a.created_at, u.name
		FROM audit_entries a
		LEFT JOIN users u ON u.id = a.actor_id
		WHERE a.workspace_id = $1 AND (a.created_at, a.id) < ($2, $3)
		ORDER BY a.created_at DESC, a.id DESC
		LIMIT $4`, workspaceID, before.CreatedAt, before.ID, noLimit(limit))
}

func scanAuditEntry(row scanner) (helpdesk.AuditEntry, error) {
	var (
		e    helpdesk.AuditEntry
		user *string
	)
	err := row.Scan(&e.ID, &e.WorkspaceID, &e.Action, &e.ActorID, &e.Target, &e.Detail, &e.IP, &e.CreatedAt, &user)
	e.ActorName = actorName(e.ActorID, user)
	return e, err
}

func (t *txn) CreateAuditEntry(ctx context.Context, e *helpdesk.AuditEntry) error {
	return t.insert(ctx, e.WorkspaceID, "create audit entry",
		`INSERT INTO audit_entries (id, workspace_id, action, actor_id, target, detail, ip, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.ID, e.WorkspaceID, e.Action, e.ActorID, e.Target, e.Detail, e.IP, e.CreatedAt)
}

// actorName is what lists show for an actor id: the user's name, "CLI" for
// the operator's command line, or the key's display form for an API key
// ("api:<key id>").
func actorName(actorID string, userName *string) string {
	switch {
	case actorID == helpdesk.ActorCLI:
		return "CLI"
	case strings.HasPrefix(actorID, "api:"):
		return "API key tix_" + strings.TrimPrefix(actorID, "api:") + "…"
	case userName != nil:
		return *userName
	}
	return ""
}
