package helpdesk

import "time"

// Audit actions, named after the OWASP logging vocabulary where one fits.
const (
	AuditKeyCreated      = "api_key.created"
	AuditKeyRevoked      = "api_key.revoked"
	AuditKeyReuse        = "api_key.rejected" // a revoked or expired key was presented
	AuditLoginSucceeded  = "login.succeeded"
	AuditLoginFailed     = "login.failed"
	AuditPasswordChanged = "password.changed"
	AuditMemberInvited   = "member.invited"
	AuditMemberJoined    = "member.joined"
	AuditRoleChanged     = "member.role_changed"
	AuditMemberRemoved   = "member.removed"
	AuditWebhookCreated  = "webhook.created"
	AuditWebhookUpdated  = "webhook.updated"
	AuditWebhookDeleted  = "webhook.deleted"
	AuditWebhookRotated  = "webhook.secret_rotated"
	AuditWebhookRevealed = "webhook.secret_revealed"
	AuditWebhookDisabled = "webhook.disabled"
	AuditWebhookEnabled  = "webhook.enabled"
	AuditWebhookResent   = "webhook.resent"
)

// AuditEntry records who did what to a workspace's credentials and team.
// Target holds an id (a key id, a user id, an endpoint id), never a secret.
// AuditCursor is a place in the audit log, which is read newest first by
// (created_at, id): a page asks for the entries after the last one it
// showed. Several entries can share a microsecond, so the time alone would
// skip or repeat them at a page boundary; the id (a UUIDv7) breaks the tie.
// An empty ID means "everything older than CreatedAt".
type AuditCursor struct {
	CreatedAt time.Time
	ID        string
}

// Cursor is the place just past e.
func (e AuditEntry) Cursor() AuditCursor { return AuditCursor{CreatedAt: e.CreatedAt, ID: e.ID} }

type AuditEntry struct {
	ID          string
	WorkspaceID string
	Action      string
	ActorID     string // user id, "cli", or "api:<key id>"
	ActorName   string // filled by list reads
	Target      string
	Detail      string
	IP          string
	CreatedAt   time.Time
}
