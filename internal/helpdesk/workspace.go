package helpdesk

import "time"

// Workspace is the tenant: one support team and everything it owns.
type Workspace struct {
	ID        string
	Name      string
	Slug      string
	CreatedAt time.Time
}

// Role is a member's role in a workspace.
type Role string

const (
	RoleOwner Role = "owner"
	RoleAdmin Role = "admin"
	RoleAgent Role = "agent"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleOwner || r == RoleAdmin || r == RoleAgent }

// CanManage reports whether the role may manage API keys, webhooks, inboxes
// and the team.
func (r Role) CanManage() bool { return r == RoleOwner || r == RoleAdmin }

// User is an agent who can log in to the app. PasswordHash is an argon2id PHC
// string, empty until the user has set a password (for example an owner made
// by `tixallo workspace create` who has not opened the link yet).
type User struct {
	ID           string
	Email        string
	Name         string
	PasswordHash string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Member is a user's membership of a workspace, with the user's details.
type Member struct {
	WorkspaceID string
	UserID      string
	Role        Role
	Email       string
	Name        string
	CreatedAt   time.Time
}

// Session is a logged-in browser. Only a hash of the session token is stored.
type Session struct {
	TokenHash   []byte
	UserID      string
	WorkspaceID string
	CreatedAt   time.Time
	LastSeenAt  time.Time
	ExpiresAt   time.Time // absolute timeout
}

// Invite is a one-time link that lets someone join a workspace with a role.
// Only a hash of its token is stored; the link is shown once to the inviter.
type Invite struct {
	ID          string
	WorkspaceID string
	Email       string
	Role        Role
	TokenHash   []byte
	InvitedBy   string // user id, or "cli"
	CreatedAt   time.Time
	ExpiresAt   time.Time
	AcceptedAt  *time.Time
}

// Inbox groups tickets; exactly one per workspace is the default.
type Inbox struct {
	ID          string
	WorkspaceID string
	Name        string
	IsDefault   bool
	CreatedAt   time.Time
}
