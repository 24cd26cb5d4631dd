package helpdesk

import (
	"encoding/json"
	"slices"
	"time"
)

// Webhook limits.
const (
	MaxWebhookDescription = 500
	// WebhookResponseExcerpt is how much of a receiver's answer the delivery
	// log keeps.
	WebhookResponseExcerpt = 1024
	// WebhookRotationOverlap is how long the previous secret keeps signing
	// after a rotation.
	WebhookRotationOverlap = 24 * time.Hour
	// EventWebhookTest is the type of the event "send test event" sends. It
	// is never written to the outbox and no endpoint subscribes to it.
	EventWebhookTest = "webhook.test"
)

// WebhookEndpoint is a URL that receives a workspace's events. Secrets are
// stored sealed (AES-GCM under the server key); the domain opens them only
// to sign or to reveal them to an admin.
type WebhookEndpoint struct {
	ID          string
	WorkspaceID string
	URL         string
	Description string
	EventTypes  []string // in the order of EventTypes, no duplicates
	Active      bool
	// DisabledReason says why Tixallo disabled the endpoint (410 Gone, 5
	// days of failures); empty when it is active or an admin disabled it.
	DisabledReason string
	DisabledAt     *time.Time
	SecretSealed   []byte // the current signing secret, sealed
	// PreviousSecretSealed is kept until PreviousExpiresAt (24 hours after a
	// rotation) and signs alongside the current one, so receivers can move
	// to the new secret without dropping events.
	PreviousSecretSealed []byte
	PreviousExpiresAt    *time.Time
	// FailingSince is when the current run of failed attempts began; nil
	// after a success.
	FailingSince *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Subscribed reports whether the endpoint wants events of type t.
func (e *WebhookEndpoint) Subscribed(t string) bool { return slices.Contains(e.EventTypes, t) }

// Rotating reports whether the previous secret still signs at now.
func (e *WebhookEndpoint) Rotating(now time.Time) bool {
	return len(e.PreviousSecretSealed) > 0 && e.PreviousExpiresAt != nil && now.Before(*e.PreviousExpiresAt)
}

// DeliveryState is where one event's delivery to one endpoint stands.
type DeliveryState string

const (
	DeliveryPending   DeliveryState = "pending"   // waiting for its next attempt (or in one)
	DeliverySucceeded DeliveryState = "succeeded" // a 2xx arrived
	DeliveryFailed    DeliveryState = "failed"    // retries exhausted, or the endpoint answered 410
)

// Delivery is one event on its way to one endpoint. The pair (EndpointID,
// EventID) is unique: a resend re-queues the same delivery.
type Delivery struct {
	ID          string
	WorkspaceID string
	EndpointID  string
	EventID     string
	EventType   string
	State       DeliveryState
	// Attempts counts the attempts since the delivery was (re)queued; the
	// retry schedule is indexed by it.
	Attempts int
	// NextAt is when the next attempt is due (meaningful while pending).
	NextAt time.Time
	// LockedUntil and Lease are the claim of a dispatcher: while
	// LockedUntil is in the future no other dispatcher takes the delivery,
	// and only the holder of Lease may record its result. A dispatcher that
	// dies leaves the lease to expire, and the delivery is attempted again.
	LockedUntil   *time.Time
	Lease         string
	LastAttemptAt *time.Time
	LastStatus    int    // HTTP status of the last attempt; 0 for none or a transport error
	LastError     string // transport error of the last attempt
	CreatedAt     time.Time
	UpdatedAt     time.Time

	// Filled by ClaimWebhookDeliveries for the dispatcher: the event's
	// payload (the body to send) and when the event was created.
	Payload        json.RawMessage
	EventCreatedAt time.Time
}

// DeliveryAttempt is the log line of one HTTP attempt.
type DeliveryAttempt struct {
	ID          string
	WorkspaceID string
	EndpointID  string
	DeliveryID  string // empty for test events
	EventID     string
	EventType   string
	Attempt     int    // 1 for the first attempt of a (re)queued delivery
	StatusCode  int    // 0 when no response arrived
	Error       string // transport error, empty when a response arrived
	Latency     time.Duration
	Response    string // first WebhookResponseExcerpt bytes of the response body
	CreatedAt   time.Time
}

// Succeeded reports whether the attempt got a 2xx.
func (a *DeliveryAttempt) Succeeded() bool { return a.StatusCode >= 200 && a.StatusCode < 300 }

// FinishedDelivery is one attempt's outcome for FinishWebhookDeliveries:
// the delivery as the attempt leaves it, under the lease it was claimed
// with, and the attempt's log line (nil for an attempt abandoned at
// shutdown).
type FinishedDelivery struct {
	Delivery *Delivery
	Attempt  *DeliveryAttempt
}

// DeliveryClaim asks ClaimWebhookDeliveries for work. A delivery is due when
// it is pending, NextAt <= Now, its lease (if any) has expired, and its
// endpoint is active.
type DeliveryClaim struct {
	Now   time.Time
	Until time.Time // the lease expiry written on every claimed delivery
	Lease string    // the lease token written on every claimed delivery
	Limit int       // at most this many deliveries in all
	// PerEndpoint caps the deliveries of one endpoint in flight at once;
	// Busy holds what this dispatcher already has in flight per endpoint id.
	// Endpoints at the cap are skipped in the scan, so a receiver with a
	// deep backlog cannot crowd the others out of a claim.
	PerEndpoint int
	Busy        map[string]int
}

// WebhookPage pages a delivery log, newest first: Before is the id of the
// last row of the previous page ("" for the first page).
type WebhookPage struct {
	Before string
	Limit  int
}
