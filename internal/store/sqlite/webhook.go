package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// Webhook endpoints, deliveries and attempts. The event types of an endpoint
// are stored comma-separated; the dispatcher's claim and fan-out work across
// workspaces (see helpdesk.Writer) and everything else is scoped to one.

const endpointColumns = `id, workspace_id, url, description, event_types, active, disabled_reason, disabled_at,
	secret_sealed, previous_secret_sealed, previous_expires_at, failing_since, created_at, updated_at`

func scanEndpoint(row scanner) (helpdesk.WebhookEndpoint, error) {
	var (
		e     helpdesk.WebhookEndpoint
		types string
	)
	err := row.Scan(&e.ID, &e.WorkspaceID, &e.URL, &e.Description, &types, &e.Active, &e.DisabledReason,
		nullTimeCol{&e.DisabledAt}, &e.SecretSealed, &e.PreviousSecretSealed, nullTimeCol{&e.PreviousExpiresAt},
		nullTimeCol{&e.FailingSince}, timeCol{&e.CreatedAt}, timeCol{&e.UpdatedAt})
	e.EventTypes = splitTypes(types)
	return e, err
}

func splitTypes(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// nullBytes stores an empty byte slice as NULL.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func (r reader) WebhookEndpoint(ctx context.Context, workspaceID, id string) (*helpdesk.WebhookEndpoint, error) {
	e, err := scanEndpoint(r.queryRow(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints
		WHERE workspace_id = ? AND id = ?`, workspaceID, id))
	if err != nil {
		return nil, wrapErr(err, "webhook endpoint %s", id)
	}
	return &e, nil
}

func (r reader) WebhookEndpoints(ctx context.Context, workspaceID string) ([]helpdesk.WebhookEndpoint, error) {
	return list(ctx, r, "webhook endpoints", scanEndpoint, `SELECT `+endpointColumns+` FROM webhook_endpoints
		WHERE workspace_id = ? ORDER BY created_at, id`, workspaceID)
}

func (t *txn) CreateWebhookEndpoint(ctx context.Context, e *helpdesk.WebhookEndpoint) error {
	_, err := t.exec(ctx, `INSERT INTO webhook_endpoints (`+endpointColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.WorkspaceID, e.URL, e.Description, strings.Join(e.EventTypes, ","), e.Active, e.DisabledReason,
		nullMicros(e.DisabledAt), e.SecretSealed, nullBytes(e.PreviousSecretSealed), nullMicros(e.PreviousExpiresAt),
		nullMicros(e.FailingSince), micros(e.CreatedAt), micros(e.UpdatedAt))
	if err != nil {
		return wrapErr(err, "create webhook endpoint")
	}
	return nil
}

func (t *txn) UpdateWebhookEndpoint(ctx context.Context, e *helpdesk.WebhookEndpoint) error {
	return t.execOne(ctx, "update webhook endpoint "+e.ID, `UPDATE webhook_endpoints
		SET url = ?, description = ?, event_types = ?, active = ?, disabled_reason = ?, disabled_at = ?,
		    secret_sealed = ?, previous_secret_sealed = ?, previous_expires_at = ?, failing_since = ?, updated_at = ?
		WHERE workspace_id = ? AND id = ?`,
		e.URL, e.Description, strings.Join(e.EventTypes, ","), e.Active, e.DisabledReason, nullMicros(e.DisabledAt),
		e.SecretSealed, nullBytes(e.PreviousSecretSealed), nullMicros(e.PreviousExpiresAt), nullMicros(e.FailingSince),
		micros(e.UpdatedAt), e.WorkspaceID, e.ID)
}

func (t *txn) DeleteWebhookEndpoint(ctx context.Context, workspaceID, id string) error {
	return t.execOne(ctx, "delete webhook endpoint "+id,
		`DELETE FROM webhook_endpoints WHERE workspace_id = ? AND id = ?`, workspaceID, id)
}

func (t *txn) RecordWebhookSuccess(ctx context.Context, workspaceID, id string) error {
	_, err := t.exec(ctx, `UPDATE webhook_endpoints SET failing_since = NULL
		WHERE workspace_id = ? AND id = ? AND failing_since IS NOT NULL`, workspaceID, id)
	if err != nil {
		return wrapErr(err, "record webhook success %s", id)
	}
	return nil
}

func (t *txn) RecordWebhookFailure(ctx context.Context, workspaceID, id string, at time.Time) (time.Time, error) {
	var since time.Time
	err := t.queryRow(ctx, `UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, ?)
		WHERE workspace_id = ? AND id = ? RETURNING failing_since`, micros(at), workspaceID, id).Scan(timeCol{&since})
	if err != nil {
		return time.Time{}, wrapErr(err, "record webhook failure %s", id)
	}
	return since, nil
}

func (t *txn) DisableWebhookEndpoint(ctx context.Context, workspaceID, id, reason string, at time.Time) error {
	return t.execOne(ctx, "disable webhook endpoint "+id, `UPDATE webhook_endpoints
		SET active = 0, disabled_reason = ?, disabled_at = ?, updated_at = ?
		WHERE workspace_id = ? AND id = ?`, reason, micros(at), micros(at), workspaceID, id)
}

// EventByID returns one event of the workspace.
func (r reader) EventByID(ctx context.Context, workspaceID, id string) (*helpdesk.Event, error) {
	e, err := scanEvent(r.queryRow(ctx, `SELECT seq, id, workspace_id, type, payload, created_at FROM events
		WHERE workspace_id = ? AND id = ?`, workspaceID, id))
	if err != nil {
		return nil, wrapErr(err, "event %s", id)
	}
	return &e, nil
}

// UnfannedEvents reads the events still flagged for fan-out, oldest first.
// The payload is left out: fan-out needs only the type and workspace.
func (t *txn) UnfannedEvents(ctx context.Context, limit int) ([]helpdesk.Event, error) {
	return list(ctx, t.reader, "unfanned events", func(row scanner) (helpdesk.Event, error) {
		var e helpdesk.Event
		err := row.Scan(&e.Seq, &e.ID, &e.WorkspaceID, &e.Type, timeCol{&e.CreatedAt})
		return e, err
	}, // INDEXED BY pins the small partial index: with statistics gathered
		// during a backlog the planner may otherwise pick a scan of the
		// whole events table, once per dispatcher cycle.
		`SELECT seq, id, workspace_id, type, created_at FROM events INDEXED BY events_webhook_pending
		WHERE webhook_pending = 1 ORDER BY seq LIMIT ?`, noLimit(limit))
}

// jsonList encodes values for `IN (SELECT value FROM json_each(?))`, one
// parameter however many values there are.
func jsonList[T any](v []T) string {
	b, _ := json.Marshal(v) // strings and integers always encode
	return string(b)
}

func (t *txn) MarkEventsFannedOut(ctx context.Context, seqs []int64) error {
	if len(seqs) == 0 {
		return nil
	}
	_, err := t.exec(ctx, `UPDATE events SET webhook_pending = 0
		WHERE seq IN (SELECT value FROM json_each(?))`, jsonList(seqs))
	if err != nil {
		return wrapErr(err, "mark events fanned out")
	}
	return nil
}

const deliveryColumns = `d.id, d.workspace_id, d.endpoint_id, d.event_id, d.event_type, d.state, d.attempts, d.next_at,
	d.locked_until, d.lease, d.last_attempt_at, d.last_status, d.last_error, d.created_at, d.updated_at`

func deliveryDest(d *helpdesk.Delivery) []any {
	return []any{&d.ID, &d.WorkspaceID, &d.EndpointID, &d.EventID, &d.EventType, &d.State, &d.Attempts,
		timeCol{&d.NextAt}, nullTimeCol{&d.LockedUntil}, &d.Lease, nullTimeCol{&d.LastAttemptAt}, &d.LastStatus,
		&d.LastError, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt}}
}

func scanDelivery(row scanner) (helpdesk.Delivery, error) {
	var d helpdesk.Delivery
	err := row.Scan(deliveryDest(&d)...)
	return d, err
}

// insertDeliveryBatch is how many rows one INSERT carries (15 parameters each).
const insertDeliveryBatch = 64

func (t *txn) CreateWebhookDeliveries(ctx context.Context, ds []helpdesk.Delivery) error {
	for len(ds) > 0 {
		n := min(len(ds), insertDeliveryBatch)
		var (
			q    strings.Builder
			args = make([]any, 0, n*11)
		)
		q.WriteString(`INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, event_type, state,
			attempts, next_at, lease, created_at, updated_at) VALUES `)
		for i, d := range ds[:n] {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)`)
			args = append(args, d.ID, d.WorkspaceID, d.EndpointID, d.EventID, d.EventType, d.State, d.Attempts,
				micros(d.NextAt), micros(d.CreatedAt), micros(d.UpdatedAt))
		}
		q.WriteString(` ON CONFLICT (endpoint_id, event_id) DO NOTHING`)
		if _, err := t.exec(ctx, q.String(), args...); err != nil {
			return wrapErr(err, "create webhook deliveries")
		}
		ds = ds[n:]
	}
	return nil
}

func (t *txn) RequeueWebhookDelivery(ctx context.Context, d *helpdesk.Delivery) error {
	err := t.queryRow(ctx, `INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, event_type, state,
			attempts, next_at, lease, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, '', ?, ?)
		ON CONFLICT (endpoint_id, event_id) DO UPDATE
		SET state = 'pending', attempts = 0, next_at = excluded.next_at, locked_until = NULL, lease = '',
		    updated_at = excluded.updated_at
		RETURNING id, created_at`,
		d.ID, d.WorkspaceID, d.EndpointID, d.EventID, d.EventType, micros(d.NextAt), micros(d.CreatedAt),
		micros(d.UpdatedAt)).Scan(&d.ID, timeCol{&d.CreatedAt})
	if err != nil {
		return wrapErr(err, "requeue webhook delivery")
	}
	d.State, d.Attempts, d.LockedUntil, d.Lease = helpdesk.DeliveryPending, 0, nil, ""
	return nil
}

// ClaimWebhookDeliveries runs inside BEGIN IMMEDIATE, which holds SQLite's
// write lock: no other process can claim between the scan and the UPDATE,
// and the UPDATE re-checks the lease anyway. The scan walks the partial
// index of pending rows in next_at order, skipping endpoints that are
// already at their limit, and reads at most a bounded window; the caller
// claims again while it has room.
func (t *txn) ClaimWebhookDeliveries(ctx context.Context, c helpdesk.DeliveryClaim) ([]helpdesk.Delivery, error) {
	if c.Limit <= 0 {
		return []helpdesk.Delivery{}, nil
	}
	perEndpoint := c.PerEndpoint
	if perEndpoint <= 0 {
		perEndpoint = c.Limit
	}
	full := []string{}
	for id, n := range c.Busy {
		if n >= perEndpoint {
			full = append(full, id)
		}
	}
	now := micros(c.Now)
	cands, err := list(ctx, t.reader, "due webhook deliveries", func(row scanner) (helpdesk.Delivery, error) {
		var (
			d       helpdesk.Delivery
			payload []byte
		)
		err := row.Scan(append(deliveryDest(&d), &payload, timeCol{&d.EventCreatedAt})...)
		d.Payload = payload
		return d, err
	}, `SELECT `+deliveryColumns+`, ev.payload, ev.created_at
		FROM webhook_deliveries d
		JOIN webhook_endpoints e ON e.id = d.endpoint_id
		JOIN events ev ON ev.id = d.event_id
		WHERE d.state = 'pending' AND d.next_at <= ?
		  AND (d.locked_until IS NULL OR d.locked_until <= ?)
		  AND e.active = 1
		  AND d.endpoint_id NOT IN (SELECT value FROM json_each(?))
		ORDER BY d.next_at
		LIMIT ?`, now, now, jsonList(full), 2*c.Limit+perEndpoint)
	if err != nil {
		return nil, err
	}

	taken := map[string]int{}
	out := make([]helpdesk.Delivery, 0, min(len(cands), c.Limit))
	ids := make([]string, 0, cap(out))
	for _, d := range cands {
		if len(out) == c.Limit {
			break
		}
		if c.Busy[d.EndpointID]+taken[d.EndpointID] >= perEndpoint {
			continue
		}
		taken[d.EndpointID]++
		until := c.Until
		d.LockedUntil, d.Lease = &until, c.Lease
		out = append(out, d)
		ids = append(ids, d.ID)
	}
	if len(out) == 0 {
		return out, nil
	}
	res, err := t.exec(ctx, `UPDATE webhook_deliveries SET locked_until = ?, lease = ?
		WHERE id IN (SELECT value FROM json_each(?))
		  AND state = 'pending' AND (locked_until IS NULL OR locked_until <= ?)`,
		micros(c.Until), c.Lease, jsonList(ids), now)
	if err != nil {
		return nil, wrapErr(err, "claim webhook deliveries")
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, wrapErr(err, "claim webhook deliveries")
	} else if int(n) != len(out) {
		// Impossible under the write lock; refuse rather than double-send.
		return nil, fmt.Errorf("claim webhook deliveries: %d of %d rows leased", n, len(out))
	}
	return out, nil
}

// FinishWebhookDeliveries finishes one delivery after another: under
// SQLite's single writer a statement is cheap, and the batch is one
// transaction already.
func (t *txn) FinishWebhookDeliveries(ctx context.Context, fs []helpdesk.FinishedDelivery) ([]bool, error) {
	held := make([]bool, len(fs))
	for i, f := range fs {
		var err error
		if held[i], err = t.finishWebhookDelivery(ctx, f.Delivery, f.Attempt); err != nil {
			return nil, err
		}
	}
	return held, nil
}

// finishWebhookDelivery is FinishWebhookDeliveries for one delivery; held
// reports whether its lease held.
func (t *txn) finishWebhookDelivery(ctx context.Context, d *helpdesk.Delivery, a *helpdesk.DeliveryAttempt) (held bool, err error) {
	res, err := t.exec(ctx, `UPDATE webhook_deliveries
		SET state = ?, attempts = ?, next_at = ?, locked_until = NULL, lease = '',
		    last_attempt_at = ?, last_status = ?, last_error = ?, updated_at = ?
		WHERE workspace_id = ? AND id = ? AND lease = ? AND lease != ''`,
		d.State, d.Attempts, micros(d.NextAt), nullMicros(d.LastAttemptAt), d.LastStatus, d.LastError,
		micros(d.UpdatedAt), d.WorkspaceID, d.ID, d.Lease)
	if err != nil {
		return false, wrapErr(err, "finish webhook delivery %s", d.ID)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrapErr(err, "finish webhook delivery %s", d.ID)
	}
	if n == 1 {
		d.LockedUntil, d.Lease = nil, ""
		if a == nil {
			return true, nil
		}
		return true, t.CreateWebhookAttempt(ctx, a)
	}
	if a != nil {
		// The lease is lost but the request was made: log it against the
		// delivery if the delivery is still there.
		_, err := t.exec(ctx, `INSERT INTO webhook_attempts (id, workspace_id, endpoint_id, delivery_id, event_id,
				event_type, attempt, status_code, error, latency_us, response, created_at)
			SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
			WHERE EXISTS (SELECT 1 FROM webhook_deliveries WHERE workspace_id = ? AND id = ? AND endpoint_id = ?)`,
			a.ID, a.WorkspaceID, a.EndpointID, a.DeliveryID, a.EventID, a.EventType, a.Attempt, a.StatusCode,
			a.Error, a.Latency.Microseconds(), a.Response, micros(a.CreatedAt), a.WorkspaceID, a.DeliveryID, a.EndpointID)
		if err != nil {
			return false, wrapErr(err, "log webhook attempt of delivery %s", d.ID)
		}
	}
	return false, nil
}

func (t *txn) CreateWebhookAttempt(ctx context.Context, a *helpdesk.DeliveryAttempt) error {
	var delivery any
	if a.DeliveryID != "" {
		delivery = a.DeliveryID
	}
	_, err := t.exec(ctx, `INSERT INTO webhook_attempts (id, workspace_id, endpoint_id, delivery_id, event_id,
			event_type, attempt, status_code, error, latency_us, response, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.WorkspaceID, a.EndpointID, delivery, a.EventID, a.EventType, a.Attempt, a.StatusCode, a.Error,
		a.Latency.Microseconds(), a.Response, micros(a.CreatedAt))
	if err != nil {
		return wrapErr(err, "create webhook attempt")
	}
	return nil
}

func (t *txn) DeleteWebhookAttemptsBefore(ctx context.Context, before time.Time) error {
	if _, err := t.exec(ctx, `DELETE FROM webhook_attempts WHERE created_at < ?`, micros(before)); err != nil {
		return wrapErr(err, "delete old webhook attempts")
	}
	return nil
}

// pageBefore turns an empty cursor into one above every id.
func pageBefore(p helpdesk.WebhookPage) string {
	if p.Before == "" {
		return "\U0010FFFF"
	}
	return p.Before
}

func (r reader) WebhookDeliveries(ctx context.Context, workspaceID, endpointID string, page helpdesk.WebhookPage) ([]helpdesk.Delivery, error) {
	return list(ctx, r, "webhook deliveries", scanDelivery, `SELECT `+deliveryColumns+`
		FROM webhook_deliveries d
		WHERE d.endpoint_id = ? AND d.workspace_id = ? AND d.id < ?
		ORDER BY d.id DESC LIMIT ?`, endpointID, workspaceID, pageBefore(page), noLimit(page.Limit))
}

func (r reader) WebhookAttempts(ctx context.Context, workspaceID, endpointID string, page helpdesk.WebhookPage) ([]helpdesk.DeliveryAttempt, error) {
	return list(ctx, r, "webhook attempts", func(row scanner) (helpdesk.DeliveryAttempt, error) {
		var (
			a        helpdesk.DeliveryAttempt
			delivery *string
			latency  int64
		)
		err := row.Scan(&a.ID, &a.WorkspaceID, &a.EndpointID, &delivery, &a.EventID, &a.EventType, &a.Attempt,
			&a.StatusCode, &a.Error, &latency, &a.Response, timeCol{&a.CreatedAt})
		if delivery != nil {
			a.DeliveryID = *delivery
		}
		a.Latency = time.Duration(latency) * time.Microsecond
		return a, err
	}, `SELECT id, workspace_id, endpoint_id, delivery_id, event_id, event_type, attempt, status_code, error,
			latency_us, response, created_at
		FROM webhook_attempts
		WHERE endpoint_id = ? AND workspace_id = ? AND id < ?
		ORDER BY id DESC LIMIT ?`, endpointID, workspaceID, pageBefore(page), noLimit(page.Limit))
}

func (r reader) WebhookBacklog(ctx context.Context) (pending, unfanned int, err error) {
	err = r.queryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'),
			(SELECT COUNT(*) FROM events WHERE webhook_pending = 1)`).Scan(&pending, &unfanned)
	if err != nil {
		return 0, 0, wrapErr(err, "webhook backlog")
	}
	return pending, unfanned, nil
}
