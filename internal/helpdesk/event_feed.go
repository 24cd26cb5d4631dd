package helpdesk

import (
	"context"
	"time"
)

// EventRetention is how long the events feed keeps events.
const EventRetention = 30 * 24 * time.Hour

// Events returns the workspace's events after a sequence number, oldest
// first. Events older than EventRetention are pruned by PruneEvents.
func (s *Service) Events(ctx context.Context, workspaceID string, afterSeq int64, limit int) ([]Event, error) {
	return s.store.Events(ctx, workspaceID, afterSeq, limit)
}

// Prune removes what has outlived its retention: events and the webhook
// delivery log after 30 days,
// idempotency records after 24 hours, expired sessions.
func (s *Service) Prune(ctx context.Context) error {
	now := s.Now()
	return s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.DeleteEventsBefore(ctx, now.Add(-EventRetention)); err != nil {
			return err
		}
		// Deliveries go with their events; attempts (test events too) are
		// kept as long.
		if err := tx.DeleteWebhookAttemptsBefore(ctx, now.Add(-EventRetention)); err != nil {
			return err
		}
		if err := tx.DeleteIdempotencyRecordsBefore(ctx, now.Add(-IdempotencyTTL)); err != nil {
			return err
		}
		return tx.DeleteExpiredSessions(ctx, now)
	})
}
