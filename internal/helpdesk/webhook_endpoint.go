package helpdesk

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/tixallo/tixallo/internal/egress"
)

// Sealer encrypts webhook signing secrets at rest; serverkey.Key is one.
type Sealer interface {
	Seal(plaintext []byte) ([]byte, error)
	Open(sealed []byte) ([]byte, error)
}

// WebhookOptions configures webhook endpoint management.
type WebhookOptions struct {
	// Sealer seals and opens signing secrets. Endpoint methods fail without
	// one.
	Sealer Sealer
	// Sender makes the synchronous attempt of SendTestWebhook
	// (internal/webhook implements it over the egress client).
	Sender WebhookSender
	// Egress is what CheckURL judges a URL by when an endpoint is saved:
	// AllowPrivate is --webhook-allow-private; tests set a fake Resolver.
	Egress egress.Options
}

// WebhookSender makes one signed HTTP attempt and reports what happened. It
// never returns an error: a failure to connect is a result like any other.
type WebhookSender interface {
	SendWebhook(ctx context.Context, m WebhookMessage) WebhookResult
}

// WebhookMessage is one signed POST.
type WebhookMessage struct {
	URL       string
	ID        string // webhook-id: the event id
	Timestamp time.Time
	Body      []byte
	Secrets   []string // every secret that signs: current first
}

// WebhookResult is the outcome of one attempt.
type WebhookResult struct {
	StatusCode int    // 0 when no response arrived
	Error      string // why no response arrived; never holds a secret
	Latency    time.Duration
	Response   string // the first WebhookResponseExcerpt bytes of the body
}

// WebhookEndpointInput is what an admin types when creating or editing an
// endpoint.
type WebhookEndpointInput struct {
	URL         string
	Description string
	EventTypes  []string
}

// webhookSecretPrefix starts every signing secret, as Standard Webhooks
// names them (internal/webhook signs with the same format).
const webhookSecretPrefix = "whsec_"

// newWebhookSecret returns whsec_ and the base64 of 32 random bytes.
func newWebhookSecret(random io.Reader) (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	return webhookSecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// validateEndpoint checks an endpoint's fields; the URL goes through the
// egress guard's save-time check, whose refusals are sentences for the form.
func (s *Service) validateEndpoint(ctx context.Context, in WebhookEndpointInput) (WebhookEndpointInput, error) {
	errs := FieldErrors{}
	out := WebhookEndpointInput{
		URL:         text(errs, "url", in.URL, 1, 2048),
		Description: text(errs, "description", in.Description, 0, MaxWebhookDescription),
	}
	if _, bad := errs["url"]; !bad {
		err := egress.CheckURL(ctx, out.URL, s.webhooks.Egress)
		switch {
		case errors.Is(err, egress.ErrBlocked):
			errs.Add("url", err.Error())
		case err != nil:
			return out, fmt.Errorf("check webhook url: %w", err)
		}
	}
	for _, t := range EventTypes {
		if slices.Contains(in.EventTypes, t) {
			out.EventTypes = append(out.EventTypes, t)
		}
	}
	for _, t := range in.EventTypes {
		if !EventTypeValid(t) {
			errs.Add("event_types", fmt.Sprintf("Unknown event type %q", t))
		}
	}
	if len(in.EventTypes) == 0 {
		errs.Add("event_types", "Choose at least one event type")
	}
	return out, errs.Err()
}

func (s *Service) sealer() (Sealer, error) {
	if s.webhooks.Sealer == nil {
		return nil, errors.New("webhooks: no sealer configured")
	}
	return s.webhooks.Sealer, nil
}

// CreateWebhookEndpoint adds an active endpoint with a fresh signing secret.
// Reveal the secret with RevealWebhookSecret.
//
// Input is validated before anything else, so a form with a bad URL gets its
// field errors even on a server that cannot seal secrets.
func (s *Service) CreateWebhookEndpoint(ctx context.Context, workspaceID string, by Actor, in WebhookEndpointInput) (*WebhookEndpoint, error) {
	in, err := s.validateEndpoint(ctx, in)
	if err != nil {
		return nil, err
	}
	sealer, err := s.sealer()
	if err != nil {
		return nil, err
	}
	secret, err := newWebhookSecret(s.random)
	if err != nil {
		return nil, err
	}
	sealed, err := sealer.Seal([]byte(secret))
	if err != nil {
		return nil, fmt.Errorf("seal webhook secret: %w", err)
	}
	now := s.Now()
	e := &WebhookEndpoint{
		ID: s.newID(), WorkspaceID: workspaceID, URL: in.URL, Description: in.Description,
		EventTypes: in.EventTypes, Active: true, SecretSealed: sealed, CreatedAt: now, UpdatedAt: now,
	}
	return write(ctx, s, func(tx Tx) (*WebhookEndpoint, error) {
		if err := tx.CreateWebhookEndpoint(ctx, e); err != nil {
			return nil, fmt.Errorf("create webhook endpoint: %w", err)
		}
		if err := s.audit(ctx, tx, workspaceID, by, AuditWebhookCreated, e.ID, e.URL); err != nil {
			return nil, err
		}
		return e, nil
	})
}

// WebhookEndpoints lists the workspace's endpoints, oldest first.
func (s *Service) WebhookEndpoints(ctx context.Context, workspaceID string) ([]WebhookEndpoint, error) {
	return s.store.WebhookEndpoints(ctx, workspaceID)
}

// WebhookEndpoint returns one of the workspace's endpoints.
func (s *Service) WebhookEndpoint(ctx context.Context, workspaceID, id string) (*WebhookEndpoint, error) {
	return s.store.WebhookEndpoint(ctx, workspaceID, id)
}

// UpdateWebhookEndpoint replaces an endpoint's URL, description and event
// types.
func (s *Service) UpdateWebhookEndpoint(ctx context.Context, workspaceID, id string, by Actor, in WebhookEndpointInput) (*WebhookEndpoint, error) {
	if _, err := s.store.WebhookEndpoint(ctx, workspaceID, id); err != nil {
		return nil, err
	}
	in, err := s.validateEndpoint(ctx, in)
	if err != nil {
		return nil, err
	}
	return s.changeEndpoint(ctx, workspaceID, id, by, AuditWebhookUpdated, func(e *WebhookEndpoint) string {
		detail := e.URL
		if e.URL != in.URL {
			detail = e.URL + " → " + in.URL
		}
		e.URL, e.Description, e.EventTypes = in.URL, in.Description, in.EventTypes
		return detail
	})
}

// SetWebhookEndpointActive enables or disables an endpoint. Enabling clears
// the reason Tixallo disabled it and its run of failures; deliveries that
// were pending resume, and events that happened while it was disabled are
// not sent (they are in GET /api/v1/events, or can be resent one by one).
func (s *Service) SetWebhookEndpointActive(ctx context.Context, workspaceID, id string, by Actor, active bool) (*WebhookEndpoint, error) {
	action := AuditWebhookDisabled
	if active {
		action = AuditWebhookEnabled
	}
	e, err := s.changeEndpoint(ctx, workspaceID, id, by, action, func(e *WebhookEndpoint) string {
		if e.Active == active {
			return ""
		}
		e.Active = active
		if active {
			e.DisabledReason, e.DisabledAt, e.FailingSince = "", nil, nil
		} else {
			now := s.Now()
			e.DisabledReason, e.DisabledAt = "", &now
		}
		return e.URL
	})
	if err == nil && active {
		s.webhookWork()
	}
	return e, err
}

// changeEndpoint reads an endpoint in a transaction, applies change, writes
// it back and audits it. change returns the audit detail, or "" when it
// changed nothing (no write, no audit).
func (s *Service) changeEndpoint(ctx context.Context, workspaceID, id string, by Actor, action string, change func(e *WebhookEndpoint) string) (*WebhookEndpoint, error) {
	return write(ctx, s, func(tx Tx) (*WebhookEndpoint, error) {
		e, err := tx.WebhookEndpoint(ctx, workspaceID, id)
		if err != nil {
			return nil, err
		}
		detail := change(e)
		if detail == "" {
			return e, nil
		}
		e.UpdatedAt = s.Now()
		if err := tx.UpdateWebhookEndpoint(ctx, e); err != nil {
			return nil, fmt.Errorf("update webhook endpoint: %w", err)
		}
		if err := s.audit(ctx, tx, workspaceID, by, action, e.ID, detail); err != nil {
			return nil, err
		}
		return e, nil
	})
}

// DeleteWebhookEndpoint deletes an endpoint with its delivery log.
func (s *Service) DeleteWebhookEndpoint(ctx context.Context, workspaceID, id string, by Actor) error {
	_, err := write(ctx, s, func(tx Tx) (struct{}, error) {
		e, err := tx.WebhookEndpoint(ctx, workspaceID, id)
		if err != nil {
			return struct{}{}, err
		}
		if err := tx.DeleteWebhookEndpoint(ctx, workspaceID, id); err != nil {
			return struct{}{}, fmt.Errorf("delete webhook endpoint: %w", err)
		}
		return struct{}{}, s.audit(ctx, tx, workspaceID, by, AuditWebhookDeleted, e.ID, e.URL)
	})
	return err
}

// RevealWebhookSecret returns an endpoint's current signing secret and
// records that it was revealed.
func (s *Service) RevealWebhookSecret(ctx context.Context, workspaceID, id string, by Actor) (string, error) {
	return write(ctx, s, func(tx Tx) (string, error) {
		// An unknown or foreign id is not found, whatever the configuration.
		e, err := tx.WebhookEndpoint(ctx, workspaceID, id)
		if err != nil {
			return "", err
		}
		sealer, err := s.sealer()
		if err != nil {
			return "", err
		}
		secret, err := sealer.Open(e.SecretSealed)
		if err != nil {
			return "", fmt.Errorf("open webhook secret of %s: %w", e.ID, err)
		}
		if err := s.audit(ctx, tx, workspaceID, by, AuditWebhookRevealed, e.ID, ""); err != nil {
			return "", err
		}
		return string(secret), nil
	})
}

// RotateWebhookSecret gives an endpoint a new signing secret and returns it.
// The old one keeps signing alongside it for WebhookRotationOverlap, so a
// receiver can switch without rejecting a single delivery. Rotating again
// within the overlap drops the oldest secret.
func (s *Service) RotateWebhookSecret(ctx context.Context, workspaceID, id string, by Actor) (string, error) {
	// An unknown or foreign id is not found, whatever the configuration.
	if _, err := s.store.WebhookEndpoint(ctx, workspaceID, id); err != nil {
		return "", err
	}
	sealer, err := s.sealer()
	if err != nil {
		return "", err
	}
	secret, err := newWebhookSecret(s.random)
	if err != nil {
		return "", err
	}
	sealed, err := sealer.Seal([]byte(secret))
	if err != nil {
		return "", fmt.Errorf("seal webhook secret: %w", err)
	}
	_, err = s.changeEndpoint(ctx, workspaceID, id, by, AuditWebhookRotated, func(e *WebhookEndpoint) string {
		expires := s.Now().Add(WebhookRotationOverlap)
		e.PreviousSecretSealed, e.PreviousExpiresAt = e.SecretSealed, &expires
		e.SecretSealed = sealed
		return "previous secret signs until " + FormatTime(expires)
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// WebhookSigningSecrets opens the secrets that sign a delivery to e at now:
// the current one, and the previous one during a rotation.
func WebhookSigningSecrets(e *WebhookEndpoint, sealer Sealer, now time.Time) ([]string, error) {
	cur, err := sealer.Open(e.SecretSealed)
	if err != nil {
		return nil, fmt.Errorf("open webhook secret of %s: %w", e.ID, err)
	}
	secrets := []string{string(cur)}
	if e.Rotating(now) {
		prev, err := sealer.Open(e.PreviousSecretSealed)
		if err != nil {
			return nil, fmt.Errorf("open previous webhook secret of %s: %w", e.ID, err)
		}
		secrets = append(secrets, string(prev))
	}
	return secrets, nil
}
