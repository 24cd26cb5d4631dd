package helpdesk

import "time"

// IdempotencyTTL is how long a POST's Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyRecord remembers one POST made with an Idempotency-Key. While the
// first request runs, Status is 0; the response is stored in the same
// transaction as the change it reports, so a replay can never disagree with
// what was written.
type IdempotencyRecord struct {
	WorkspaceID string
	Key         string
	Fingerprint []byte // SHA-256 of method, path and body
	Status      int
	Body        []byte
	Location    string
	CreatedAt   time.Time
	// LockedUntil bounds how long an unfinished record blocks its key: a
	// process that died mid-request must not block the key for 24 hours.
	LockedUntil time.Time
}
