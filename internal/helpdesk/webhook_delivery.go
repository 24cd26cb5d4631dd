package helpdesk

import (
	"context"
	"encoding/json"
	"fmt"
)

// MaxWebhookPage caps a page of the delivery log.
const MaxWebhookPage = 100

func webhookPage(p WebhookPage) WebhookPage {
	if p.Limit <= 0 || p.Limit > MaxWebhookPage {
		p.Limit = MaxWebhookPage
	}
	return p
}

// WebhookDeliveries lists an endpoint's deliveries, newest first.
func (s *Service) WebhookDeliveries(ctx context.Context, workspaceID, endpointID string, page WebhookPage) ([]Delivery, error) {
	if _, err := s.store.WebhookEndpoint(ctx, workspaceID, endpointID); err != nil {
		return nil, err
	}
	return s.store.WebhookDeliveries(ctx, workspaceID, endpointID, webhookPage(page))
}

// WebhookAttempts lists an endpoint's attempts, test events included,
// newest first: the delivery log.
func (s *Service) WebhookAttempts(ctx context.Context, workspaceID, endpointID string, page WebhookPage) ([]DeliveryAttempt, error) {
	if _, err := s.store.WebhookEndpoint(ctx, workspaceID, endpointID); err != nil {
		return nil, err
	}
	return s.store.WebhookAttempts(ctx, workspaceID, endpointID, webhookPage(page))
}

// ResendWebhookEvent queues one of the workspace's events for the endpoint
// again, whether or not it was delivered before and whether or not the
// endpoint subscribes to its type. The retry schedule starts over; the
// webhook-id is the event id as always, so a receiver that deduplicates sees
// a redelivery. The endpoint must be active.
func (s *Service) ResendWebhookEvent(ctx context.Context, workspaceID, endpointID, eventID string, by Actor) (*Delivery, error) {
	d, err := write(ctx, s, func(tx Tx) (*Delivery, error) {
		e, err := tx.WebhookEndpoint(ctx, workspaceID, endpointID)
		if err != nil {
			return nil, err
		}
		if !e.Active {
			return nil, Errorf(EConflict, "Enable the endpoint before resending events to it")
		}
		ev, err := tx.EventByID(ctx, workspaceID, eventID)
		if err != nil {
			return nil, err
		}
		now := s.Now()
		d := &Delivery{
			ID: s.newID(), WorkspaceID: workspaceID, EndpointID: e.ID, EventID: ev.ID, EventType: ev.Type,
			State: DeliveryPending, NextAt: now, CreatedAt: now, UpdatedAt: now,
		}
		if err := tx.RequeueWebhookDelivery(ctx, d); err != nil {
			return nil, fmt.Errorf("requeue webhook delivery: %w", err)
		}
		if err := s.audit(ctx, tx, workspaceID, by, AuditWebhookResent, e.ID, ev.Type+" "+ev.ID); err != nil {
			return nil, err
		}
		return d, nil
	})
	if err == nil {
		s.webhookWork()
	}
	return d, err
}

// testPayload is the body of a test event: the common header and a line
// saying what it is. Receivers that only know the real event types can
// ignore it by its event_type.
type testPayload struct {
	eventHeader
	EndpointID string `json:"endpoint_id"`
	Message    string `json:"message"`
}

// SendTestWebhook sends a webhook.test event to the endpoint now, active or
// not, waits for the receiver (at most the 10 s attempt timeout), records the
// attempt in the delivery log and returns it: status code or error, latency
// and the start of the response.
func (s *Service) SendTestWebhook(ctx context.Context, workspaceID, endpointID string, by Actor) (*DeliveryAttempt, error) {
	// The endpoint first: another workspace's id is a 404 whatever the
	// server's configuration.
	e, err := s.store.WebhookEndpoint(ctx, workspaceID, endpointID)
	if err != nil {
		return nil, err
	}
	sealer, err := s.sealer()
	if err != nil {
		return nil, err
	}
	if s.webhooks.Sender == nil {
		return nil, fmt.Errorf("webhooks: no sender configured")
	}
	now := s.Now()
	secrets, err := WebhookSigningSecrets(e, sealer, now)
	if err != nil {
		return nil, err
	}
	id := s.newID()
	body, err := json.Marshal(testPayload{
		eventHeader: eventHeader{EventType: EventWebhookTest, EventID: id, CreatedAt: FormatTime(now), WorkspaceID: workspaceID},
		EndpointID:  e.ID,
		Message:     "This is a test event from Tixallo.",
	})
	if err != nil {
		return nil, fmt.Errorf("encode test event: %w", err)
	}
	res := s.webhooks.Sender.SendWebhook(ctx, WebhookMessage{URL: e.URL, ID: id, Timestamp: now, Body: body, Secrets: secrets})
	a := &DeliveryAttempt{
		ID: s.newID(), WorkspaceID: workspaceID, EndpointID: e.ID, EventID: id, EventType: EventWebhookTest,
		Attempt: 1, StatusCode: res.StatusCode, Error: res.Error, Latency: res.Latency, Response: res.Response,
		CreatedAt: now,
	}
	// Record the attempt even if the caller has gone: the request was made.
	wctx := context.WithoutCancel(ctx)
	err = s.store.InTx(wctx, func(tx Tx) error {
		if err := tx.CreateWebhookAttempt(wctx, a); err != nil {
			return fmt.Errorf("record test attempt: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}
