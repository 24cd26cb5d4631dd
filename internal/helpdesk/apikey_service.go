package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tixallo/tixallo/internal/apikey"
)

// NewAPIKey is the input for creating a key.
type NewAPIKey struct {
	Name      string
	Scope     Scope      // "" → read_write
	ExpiresAt *time.Time // nil → never
}

// CreateAPIKey makes a key for the workspace and records who made it. The
// full key is in the result and nowhere else: the store gets its hash.
func (s *Service) CreateAPIKey(ctx context.Context, workspaceID string, by Actor, in NewAPIKey) (*CreatedKey, error) {
	errs := FieldErrors{}
	name := text(errs, "name", in.Name, 1, MaxKeyName)
	if in.Scope == "" {
		in.Scope = ScopeReadWrite
	}
	if !in.Scope.Valid() {
		errs.Add("scope", "Must be read or read_write")
	}
	now := s.Now()
	var expires *time.Time
	if in.ExpiresAt != nil {
		e := in.ExpiresAt.UTC().Truncate(time.Second)
		if !e.After(now) {
			errs.Add("expires_at", "Must be in the future")
		}
		expires = &e
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return write(ctx, s, func(tx Tx) (*CreatedKey, error) {
		// Key ids are 8 base62 characters (47 bits); a collision is
		// astronomically rare but would make a key unusable, so retry.
		for range 3 {
			secret, keyID, err := apikey.Generate(s.random)
			if err != nil {
				return nil, fmt.Errorf("generate key: %w", err)
			}
			k := &APIKey{
				ID: s.newID(), WorkspaceID: workspaceID, Name: name, KeyID: keyID,
				Hash: apikey.Hash(secret), Scope: in.Scope, CreatedAt: now,
				CreatedBy: by.id(), ExpiresAt: expires,
			}
			if err := tx.CreateAPIKey(ctx, k); errors.Is(err, ErrConflict) {
				continue
			} else if err != nil {
				return nil, fmt.Errorf("create key: %w", err)
			}
			if err := s.audit(ctx, tx, workspaceID, by, AuditKeyCreated, keyID, fmt.Sprintf("%s (%s)", name, in.Scope)); err != nil {
				return nil, err
			}
			return &CreatedKey{Key: *k, Secret: secret}, nil
		}
		return nil, errors.New("create key: key id collisions")
	})
}

// APIKeys lists the workspace's keys, newest first.
func (s *Service) APIKeys(ctx context.Context, workspaceID string) ([]APIKey, error) {
	return s.store.APIKeys(ctx, workspaceID)
}

// RevokeAPIKey revokes the workspace's key with this public key id. Revoking
// an already revoked key is a no-op that still answers with the key.
func (s *Service) RevokeAPIKey(ctx context.Context, workspaceID, keyID string, by Actor) (*APIKey, error) {
	if !apikey.ValidKeyID(keyID) {
		return nil, ErrNotFound
	}
	return write(ctx, s, func(tx Tx) (*APIKey, error) {
		k, err := tx.APIKeyByKeyID(ctx, keyID)
		if err != nil {
			return nil, err
		}
		if k.WorkspaceID != workspaceID {
			return nil, ErrNotFound
		}
		if k.RevokedAt != nil {
			return k, nil
		}
		now := s.Now()
		if err := tx.RevokeAPIKey(ctx, workspaceID, k.ID, by.id(), now); err != nil {
			return nil, fmt.Errorf("revoke key: %w", err)
		}
		k.RevokedAt, k.RevokedBy = &now, new(by.id())
		if err := s.audit(ctx, tx, workspaceID, by, AuditKeyRevoked, keyID, k.Name); err != nil {
			return nil, err
		}
		return k, nil
	})
}

// RecordRejectedKey writes the audit entry for a revoked or expired key that
// was presented to the API. The API calls it at most once a minute per key.
func (s *Service) RecordRejectedKey(ctx context.Context, k *APIKey, ip string) error {
	_, err := write(ctx, s, func(tx Tx) (struct{}, error) {
		return struct{}{}, s.audit(ctx, tx, k.WorkspaceID, Actor{KeyID: k.KeyID, IP: ip}, AuditKeyReuse, k.KeyID, k.KeyState(s.Now()))
	})
	return err
}

// TouchAPIKeys records when keys were last used (batched by the API).
func (s *Service) TouchAPIKeys(ctx context.Context, used map[string]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	return s.store.InTx(ctx, func(tx Tx) error { return tx.TouchAPIKeys(ctx, used) })
}

// audit appends an audit entry inside tx.
func (s *Service) audit(ctx context.Context, tx Tx, workspaceID string, by Actor, action, target, detail string) error {
	e := &AuditEntry{
		ID: s.newID(), WorkspaceID: workspaceID, Action: action, ActorID: by.id(),
		Target: target, Detail: detail, IP: by.IP, CreatedAt: s.Now(),
	}
	if err := tx.CreateAuditEntry(ctx, e); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// AuditEntries lists the workspace's audit log, newest first, after a
// cursor (the zero cursor → from now).
func (s *Service) AuditEntries(ctx context.Context, workspaceID string, before AuditCursor, limit int) ([]AuditEntry, error) {
	if before.CreatedAt.IsZero() {
		before = AuditCursor{CreatedAt: s.Now().Add(time.Second)}
	}
	return s.store.AuditEntries(ctx, workspaceID, before, limit)
}
