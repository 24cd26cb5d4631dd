package helpdesk

import "time"

// Scope limits what an API key may do.
type Scope string

const (
	ScopeReadWrite Scope = "read_write"
	ScopeRead      Scope = "read"
)

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return s == ScopeReadWrite || s == ScopeRead }

// APIKey is the stored record of a workspace API key. The full key is never
// stored: Hash is SHA-256 of it, KeyID is its public 8-character id.
type APIKey struct {
	ID          string
	WorkspaceID string
	Name        string
	KeyID       string
	Hash        []byte
	Scope       Scope
	CreatedAt   time.Time
	CreatedBy   string // user id, or "cli"
	LastUsedAt  *time.Time
	ExpiresAt   *time.Time
	RevokedAt   *time.Time
	RevokedBy   *string

	// CreatedByName is filled by list reads: the creator's name, or "CLI".
	CreatedByName string
}

// Active reports whether the key can authenticate at now.
func (k *APIKey) Active(now time.Time) bool {
	return k.RevokedAt == nil && (k.ExpiresAt == nil || now.Before(*k.ExpiresAt))
}

// KeyState is what lists show for a key.
func (k *APIKey) KeyState(now time.Time) string {
	switch {
	case k.RevokedAt != nil:
		return "revoked"
	case k.ExpiresAt != nil && !now.Before(*k.ExpiresAt):
		return "expired"
	}
	return "active"
}

// CreatedKey is the answer to creating a key: the record and the full key,
// which exists only in this value and is shown to its creator exactly once.
type CreatedKey struct {
	Key    APIKey
	Secret string
}

// ActorCLI marks records created by an operator through the tixallo CLI.
const ActorCLI = "cli"
