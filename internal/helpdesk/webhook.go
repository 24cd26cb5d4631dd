package helpdesk

import "time"

// WebhookEndpoint is a URL that receives a workspace's events. Secrets are
// held encrypted by the store's caller; the domain sees them in the clear only
// while signing or revealing.
type WebhookEndpoint struct {
	ID          string
	WorkspaceID string
	URL         string
	Description string
	EventTypes  []string
	Active      bool
	// DisabledReason says why Tixallo disabled the endpoint (410, 5 days of
	// failures); empty when an admin disabled it or it is active.
	DisabledReason string
	SecretSealed   []byte // the current signing secret, sealed
	// PreviousSecretSealed is kept for 24 hours after a rotation, so receivers
	// can move to the new secret without dropping events.
	PreviousSecretSealed []byte
	PreviousExpiresAt    *time.Time
	// FailingSince is when the current run of failed attempts began.
	FailingSince *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Subscribed reports whether the endpoint wants events of type t.
func (e *WebhookEndpoint) Subscribed(t string) bool {
	for _, s := range e.EventTypes {
		if s == t {
			return true
		}
	}
	return false
}

// DeliveryState is where one event's delivery to one endpoint stands.
type DeliveryState string

const (
	DeliveryPending   DeliveryState = "pending"
	DeliverySucceeded DeliveryState = "succeeded"
	DeliveryFailed    DeliveryState = "failed"
)

// Delivery is one event on its way to one endpoint.
type Delivery struct {
	ID          string
	WorkspaceID string
	EndpointID  string
	EventID     string
	EventType   string
	State       DeliveryState
	Attempts    int
	NextAt      time.Time
	LockedUntil *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// DeliveryAttempt is the log line of one HTTP attempt.
type DeliveryAttempt struct {
	ID          string
	WorkspaceID string
	EndpointID  string
	DeliveryID  string // empty for test events
	EventID     string
	EventType   string
	StatusCode  int    // 0 when no response arrived
	Error       string // transport error, empty on a response
	Latency     time.Duration
	Response    string // first 1 KB of the response body
	CreatedAt   time.Time
}
