package helpdesk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"
)

// IdempotencyLease is how long a claimed key blocks repeats while its first
// request runs. A request that outlives it (or whose process died) no longer
// holds the key, so a crash cannot block a key for a whole day.
const IdempotencyLease = 30 * time.Second

// ClaimIdempotencyKey claims key for a request with the given fingerprint.
// It returns the stored record and replay=true when the same request already
// completed; replay=false when the caller now holds the key and must perform
// the request (storing its response through a commit hook, or releasing the
// key with ReleaseIdempotencyKey when it fails).
func (s *Service) ClaimIdempotencyKey(ctx context.Context, workspaceID, key string, fingerprint []byte) (rec *IdempotencyRecord, replay bool, err error) {
	err = s.store.InTx(ctx, func(tx Tx) error {
		now := s.Now()
		old, err := tx.IdempotencyRecord(ctx, workspaceID, key)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return fmt.Errorf("read idempotency key: %w", err)
		case now.Sub(old.CreatedAt) >= IdempotencyTTL:
			// Expired: the key starts a new request.
			if err := tx.DeleteIdempotencyRecord(ctx, workspaceID, key); err != nil {
				return fmt.Errorf("expire idempotency key: %w", err)
			}
		case !bytes.Equal(old.Fingerprint, fingerprint):
			return &Error{Code: EIdempotencyReused, Message: "Idempotency key reused with a different request"}
		case old.Status != 0:
			rec, replay = old, true
			return nil
		case now.Before(old.LockedUntil):
			return &Error{Code: EIdempotencyInProgress, Message: "Request with this idempotency key is in progress"}
		default:
			// The first attempt was abandoned; its transaction never
			// committed (the response commits with the change), so run again.
			if err := tx.DeleteIdempotencyRecord(ctx, workspaceID, key); err != nil {
				return fmt.Errorf("reclaim idempotency key: %w", err)
			}
		}
		rec = &IdempotencyRecord{
			WorkspaceID: workspaceID, Key: key, Fingerprint: fingerprint,
			CreatedAt: now, LockedUntil: now.Add(IdempotencyLease),
		}
		if err := tx.CreateIdempotencyRecord(ctx, rec); err != nil {
			if errors.Is(err, ErrConflict) {
				return &Error{Code: EIdempotencyInProgress, Message: "Request with this idempotency key is in progress"}
			}
			return fmt.Errorf("claim idempotency key: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return rec, replay, nil
}

// ReleaseIdempotencyKey gives up a claim whose request failed, so a corrected
// retry with the same key can run. It deletes the record only while it is
// still this claim: if the claim's lease ran out and another request took the
// key over, that request's claim stays.
func (s *Service) ReleaseIdempotencyKey(ctx context.Context, claim *IdempotencyRecord) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		rec, err := tx.IdempotencyRecord(ctx, claim.WorkspaceID, claim.Key)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if rec.Status != 0 || !rec.CreatedAt.Equal(claim.CreatedAt) {
			return nil
		}
		return tx.DeleteIdempotencyRecord(ctx, claim.WorkspaceID, claim.Key)
	})
}
