package sqlite

import (
	"context"
	"strings"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

const auditColumns = `a.id, a.workspace_id, a.action, a.actor_id, a.target, a.detail, a.ip, a.created_at`

// AuditEntries lists entries past the cursor in (created_at, id) order,
// newest first, with a display name for each actor.
func (r reader) AuditEntries(ctx context.Context, workspaceID string, before helpdesk.AuditCursor, limit int) ([]helpdesk.AuditEntry, error) {
	return list(ctx, r, "audit entries", scanAuditEntry,
		`SELECT `+auditColumns+`, u.name
		FROM audit_entries a
		LEFT JOIN users u ON u.id = a.actor_id
		WHERE a.workspace_id = ? AND (a.created_at, a.id) < (?, ?)
		ORDER BY a.created_at DESC, a.id DESC
		LIMIT ?`, workspaceID, micros(before.CreatedAt), before.ID, noLimit(limit))
}

func scanAuditEntry(row scanner) (helpdesk.AuditEntry, error) {
	var (
		e    helpdesk.AuditEntry
		user *string
	)
	err := row.Scan(&e.ID, &e.WorkspaceID, &e.Action, &e.ActorID, &e.Target, &e.Detail, &e.IP, timeCol{&e.CreatedAt}, &user)
	e.ActorName = actorName(e.ActorID, user)
	return e, err
}

func (t *txn) CreateAuditEntry(ctx context.Context, e *helpdesk.AuditEntry) error {
	_, err := t.exec(ctx, `INSERT INTO audit_entries (id, workspace_id, action, actor_id, target, detail, ip, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.WorkspaceID, e.Action, e.ActorID, e.Target, e.Detail, e.IP, micros(e.CreatedAt))
	if err != nil {
		return wrapErr(err, "create audit entry")
	}
	return nil
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
