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
