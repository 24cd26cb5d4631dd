package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// Webhook endpoints, deliveries and attempts. Finding the dispatchers' work
// crosses workspaces and goes through definer functions (see
// migrations/0002_webhooks.sql); every other statement names its workspace.

const endpointColumns = `id, workspace_id, url, description, event_types, active, disabled_reason, disabled_at,
	secret_sealed, previous_secret_sealed, previous_expires_at, failing_since, created_at, updated_at`

func scanEndpoint(row scanner) (helpdesk.WebhookEndpoint, error) {
	var (
		e     helpdesk.WebhookEndpoint
		types string
	)
	err := row.Scan(&e.ID, &e.WorkspaceID, &e.URL, &e.Description, &types, &e.Active, &e.DisabledReason,
		&e.DisabledAt, &e.SecretSealed, &e.PreviousSecretSealed, &e.PreviousExpiresAt,
		&e.FailingSince, &e.CreatedAt, &e.UpdatedAt)
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
func nullBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func (r reader) WebhookEndpoint(ctx context.Context, workspaceID, id string) (*helpdesk.WebhookEndpoint, error) {
	e, err := scanEndpoint(r.queryRow(ctx, workspaceID, `SELECT `+endpointColumns+` FROM webhook_endpoints
		WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	if err != nil {
		return nil, wrapErr(err, "webhook endpoint %s", id)
	}
	return &e, nil
}

func (r reader) WebhookEndpoints(ctx context.Context, workspaceID string) ([]helpdesk.WebhookEndpoint, error) {
	return list(ctx, r, workspaceID, "webhook endpoints", scanEndpoint, `SELECT `+endpointColumns+`
		FROM webhook_endpoints WHERE workspace_id = $1 ORDER BY created_at, id`, workspaceID)
}

// CreateWebhookEndpoint and UpdateWebhookEndpoint take the workspace's row
// lock first, the lock event writers hold: an endpoint that becomes active
// is then ordered against every event of its workspace (see fanOutPending).
func (t *txn) CreateWebhookEndpoint(ctx context.Context, e *helpdesk.WebhookEndpoint) error {
	if err := t.lockWorkspaceRow(ctx, e.WorkspaceID); err != nil {
		return err
	}
	return t.insert(ctx, e.WorkspaceID, "create webhook endpoint", `INSERT INTO webhook_endpoints (`+endpointColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		e.ID, e.WorkspaceID, e.URL, e.Description, strings.Join(e.EventTypes, ","), e.Active, e.DisabledReason,
		e.DisabledAt, e.SecretSealed, nullBytes(e.PreviousSecretSealed), e.PreviousExpiresAt,
		e.FailingSince, e.CreatedAt, e.UpdatedAt)
}

func (t *txn) UpdateWebhookEndpoint(ctx context.Context, e *helpdesk.WebhookEndpoint) error {
	if err := t.lockWorkspaceRow(ctx, e.WorkspaceID); err != nil {
		return err
	}
	return t.execOne(ctx, e.WorkspaceID, "update webhook endpoint "+e.ID, `UPDATE webhook_endpoints
		SET url = $1, description = $2, event_types = $3, active = $4, disabled_reason = $5, disabled_at = $6,
		    secret_sealed = $7, previous_secret_sealed = $8, previous_expires_at = $9, failing_since = $10,
		    updated_at = $11
		WHERE workspace_id = $12 AND id = $13`,
		e.URL, e.Description, strings.Join(e.EventTypes, ","), e.Active, e.DisabledReason, e.DisabledAt,
		e.SecretSealed, nullBytes(e.PreviousSecretSealed), e.PreviousExpiresAt, e.FailingSince,
		e.UpdatedAt, e.WorkspaceID, e.ID)
}

func (t *txn) DeleteWebhookEndpoint(ctx context.Context, workspaceID, id string) error {
	return t.execOne(ctx, workspaceID, "delete webhook endpoint "+id,
		`DELETE FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
}

func (t *txn) RecordWebhookSuccess(ctx context.Context, workspaceID, id string) error {
	_, err := t.exec(ctx, workspaceID, `UPDATE webhook_endpoints SET failing_since = NULL
		WHERE workspace_id = $1 AND id = $2 AND failing_since IS NOT NULL`, workspaceID, id)
	if err != nil {
		return wrapErr(err, "record webhook success %s", id)
	}
	return nil
}

func (t *txn) RecordWebhookFailure(ctx context.Context, workspaceID, id string, at time.Time) (time.Time, error) {
	var since time.Time
	err := t.queryRow(ctx, workspaceID, `UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $1)
		WHERE workspace_id = $2 AND id = $3 RETURNING failing_since`, at, workspaceID, id).Scan(&since)
	if err != nil {
		return time.Time{}, wrapErr(err, "record webhook failure %s", id)
	}
	return since, nil
}

func (t *txn) DisableWebhookEndpoint(ctx context.Context, workspaceID, id, reason string, at time.Time) error {
	return t.execOne(ctx, workspaceID, "disable webhook endpoint "+id, `UPDATE webhook_endpoints
		SET active = false, disabled_reason = $1, disabled_at = $2, updated_at = $2
		WHERE workspace_id = $3 AND id = $4`, reason, at, workspaceID, id)
}

// EventByID returns one event of the workspace.
func (r reader) EventByID(ctx context.Context, workspaceID, id string) (*helpdesk.Event, error) {
	e, err := scanEvent(r.queryRow(ctx, workspaceID, `SELECT seq, id, workspace_id, type, payload, created_at
		FROM events WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	if err != nil {
		return nil, wrapErr(err, "event %s", id)
	}
	return &e, nil
}

// UnfannedEvents reads the events still flagged for fan-out, oldest first,
// locking them (SKIP LOCKED) so that two dispatchers fan out disjoint sets.
func (t *txn) UnfannedEvents(ctx context.Context, limit int) ([]helpdesk.Event, error) {
	return list(ctx, t.reader, "", "unfanned events", func(row scanner) (helpdesk.Event, error) {
		var e helpdesk.Event
		err := row.Scan(&e.Seq, &e.ID, &e.WorkspaceID, &e.Type, &e.CreatedAt)
		return e, err
	}, `SELECT seq, id, workspace_id, type, created_at FROM tixallo_unfanned_events($1)`, noLimit(limit))
}

func (t *txn) MarkEventsFannedOut(ctx context.Context, seqs []int64) error {
	if len(seqs) == 0 {
		return nil
	}
	if _, err := t.exec(ctx, "", `SELECT tixallo_mark_events_fanned_out($1)`, seqs); err != nil {
		return wrapErr(err, "mark events fanned out")
	}
	return nil
}

const deliveryColumns = `d.id, d.workspace_id, d.endpoint_id, d.event_id, d.event_type, d.state, d.attempts, d.next_at,
	d.locked_until, d.lease, d.last_attempt_at, d.last_status, d.last_error, d.created_at, d.updated_at`

func deliveryDest(d *helpdesk.Delivery) []any {
	return []any{&d.ID, &d.WorkspaceID, &d.EndpointID, &d.EventID, &d.EventType, &d.State, &d.Attempts,
		&d.NextAt, &d.LockedUntil, &d.Lease, &d.LastAttemptAt, &d.LastStatus,
		&d.LastError, &d.CreatedAt, &d.UpdatedAt}
}

func scanDelivery(row scanner) (helpdesk.Delivery, error) {
	var d helpdesk.Delivery
	err := row.Scan(deliveryDest(&d)...)
	return d, err
}

// CreateWebhookDeliveries inserts each workspace's deliveries with one
// statement (arrays, unnested), under that workspace's policy, and wakes
// the other instances' dispatchers at commit.
func (t *txn) CreateWebhookDeliveries(ctx context.Context, ds []helpdesk.Delivery) error {
	byWorkspace := map[string][]helpdesk.Delivery{}
	var order []string
	for _, d := range ds {
		if _, ok := byWorkspace[d.WorkspaceID]; !ok {
			order = append(order, d.WorkspaceID)
		}
		byWorkspace[d.WorkspaceID] = append(byWorkspace[d.WorkspaceID], d)
	}
	for _, ws := range order {
		group := byWorkspace[ws]
		n := len(group)
		var (
			ids, endpoints, events, types, states = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
			attempts                              = make([]int32, n)
			nextAt, created, updated              = make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
		)
		for i, d := range group {
			ids[i], endpoints[i], events[i], types[i], states[i] = d.ID, d.EndpointID, d.EventID, d.EventType, string(d.State)
			attempts[i], nextAt[i], created[i], updated[i] = int32(d.Attempts), d.NextAt, d.CreatedAt, d.UpdatedAt
		}
		_, err := t.exec(ctx, ws, `INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, event_type,
				state, attempts, next_at, lease, created_at, updated_at)
			SELECT u.id, $1, u.endpoint_id, u.event_id, u.event_type, u.state, u.attempts, u.next_at, '',
				u.created_at, u.updated_at
			FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[],
				$8::timestamptz[], $9::timestamptz[], $10::timestamptz[])
				AS u(id, endpoint_id, event_id, event_type, state, attempts, next_at, created_at, updated_at)
			ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
			ws, ids, endpoints, events, types, states, attempts, nextAt, created, updated)
		if err != nil {
			return wrapErr(err, "create webhook deliveries")
		}
	}
	if len(ds) > 0 {
		return t.notifyWork(ctx)
	}
	return nil
}

func (t *txn) RequeueWebhookDelivery(ctx context.Context, d *helpdesk.Delivery) error {
	err := t.queryRow(ctx, d.WorkspaceID, `INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id,
			event_type, state, attempts, next_at, lease, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, '', $7, $8)
		ON CONFLICT (endpoint_id, event_id) DO UPDATE
		SET state = 'pending', attempts = 0, next_at = excluded.next_at, locked_until = NULL, lease = '',
		    updated_at = excluded.updated_at
		RETURNING id, created_at`,
		d.ID, d.WorkspaceID, d.EndpointID, d.EventID, d.EventType, d.NextAt, d.CreatedAt, d.UpdatedAt).
		Scan(&d.ID, &d.CreatedAt)
	if err != nil {
		return wrapErr(err, "requeue webhook delivery")
	}
	d.State, d.Attempts, d.LockedUntil, d.Lease = helpdesk.DeliveryPending, 0, nil, ""
	return t.notifyWork(ctx)
}

// ClaimWebhookDeliveries is one call of tixallo_claim_webhook_deliveries
// (migrations/0006_claim_locks_what_it_leases.sql): it picks the due
// deliveries that fit the per-endpoint caps, then locks those with SKIP
// LOCKED and leases them in one statement, so that dispatchers of several
// instances claiming at the same moment get disjoint rows and nothing is
// locked that is not leased. The lease keeps every other dispatcher off
// after the claim commits, until the attempt is finished or the lease
// expires.
func (t *txn) ClaimWebhookDeliveries(ctx context.Context, c helpdesk.DeliveryClaim) ([]helpdesk.Delivery, error) {
	if c.Limit <= 0 {
		return []helpdesk.Delivery{}, nil
	}
	perEndpoint := c.PerEndpoint
	if perEndpoint <= 0 {
		perEndpoint = c.Limit
	}
	busyIDs, busyCounts := make([]string, 0, len(c.Busy)), make([]int32, 0, len(c.Busy))
	for id, n := range c.Busy {
		if n > 0 {
			busyIDs, busyCounts = append(busyIDs, id), append(busyCounts, int32(n))
		}
	}
	return list(ctx, t.reader, "", "claim webhook deliveries", func(row scanner) (helpdesk.Delivery, error) {
		var (
			d       helpdesk.Delivery
			payload []byte
		)
		err := row.Scan(append(deliveryDest(&d), &payload, &d.EventCreatedAt)...)
		d.Payload = payload
		return d, err
	}, `SELECT * FROM tixallo_claim_webhook_deliveries($1, $2, $3, $4, $5, $6, $7)`,
		c.Now, c.Until, c.Lease, c.Limit, perEndpoint, busyIDs, busyCounts)
}

// FinishWebhookDeliveries writes each workspace's outcomes with one
// statement: the deliveries whose lease still holds are updated, and the
// attempts are logged against every delivery that is still there (the
// receiver saw the request even when the lease was lost). A statement per
// delivery cost more than the rows it wrote.
func (t *txn) FinishWebhookDeliveries(ctx context.Context, fs []helpdesk.FinishedDelivery) ([]bool, error) {
	held := make([]bool, len(fs))
	byWorkspace := map[string][]int{}
	var order []string
	for i, f := range fs {
		ws := f.Delivery.WorkspaceID
		if _, ok := byWorkspace[ws]; !ok {
			order = append(order, ws)
		}
		byWorkspace[ws] = append(byWorkspace[ws], i)
	}
	for _, ws := range order {
		if err := t.finishInWorkspace(ctx, ws, fs, byWorkspace[ws], held); err != nil {
			return nil, err
		}
	}
	return held, nil
}

// finishInWorkspace is FinishWebhookDeliveries for fs[idx], all of
// workspace ws; it sets held[i] for each i of idx whose lease held.
func (t *txn) finishInWorkspace(ctx context.Context, ws string, fs []helpdesk.FinishedDelivery, idx []int, held []bool) error {
	n := len(idx)
	var (
		ids, leases, states, lastErrors = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		attempts, lastStatuses          = make([]int32, n), make([]int32, n)
		nextAts, updatedAts             = make([]time.Time, n), make([]time.Time, n)
		lastAttemptAts                  = make([]*time.Time, n)

		aIDs, aEndpoints, aDeliveries, aEvents, aTypes, aErrors, aResponses []string
		aAttempts, aStatuses                                                []int32
		aLatencies                                                          []int64
		aCreated                                                            []time.Time
	)
	for k, i := range idx {
		d := fs[i].Delivery
		ids[k], leases[k], states[k], lastErrors[k] = d.ID, d.Lease, string(d.State), d.LastError
		attempts[k], lastStatuses[k] = int32(d.Attempts), int32(d.LastStatus)
		nextAts[k], updatedAts[k], lastAttemptAts[k] = d.NextAt, d.UpdatedAt, d.LastAttemptAt
		if a := fs[i].Attempt; a != nil {
			aIDs, aEndpoints, aDeliveries = append(aIDs, a.ID), append(aEndpoints, a.EndpointID), append(aDeliveries, a.DeliveryID)
			aEvents, aTypes, aErrors = append(aEvents, a.EventID), append(aTypes, a.EventType), append(aErrors, a.Error)
			aResponses, aAttempts, aStatuses = append(aResponses, a.Response), append(aAttempts, int32(a.Attempt)), append(aStatuses, int32(a.StatusCode))
			aLatencies, aCreated = append(aLatencies, a.Latency.Microseconds()), append(aCreated, a.CreatedAt)
		}
	}
	// Both halves read the snapshot the statement started with: an attempt
	// is logged when its delivery was there, whether or not the update
	// matched it.
	rows, err := t.query(ctx, ws, `WITH finished AS (
			UPDATE webhook_deliveries d
			SET state = u.state, attempts = u.attempts, next_at = u.next_at, locked_until = NULL, lease = '',
			    last_attempt_at = u.last_attempt_at, last_status = u.last_status, last_error = u.last_error,
			    updated_at = u.updated_at
			FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::timestamptz[], $7::timestamptz[],
				$8::int[], $9::text[], $10::timestamptz[]) WITH ORDINALITY
				AS u(id, lease, state, attempts, next_at, last_attempt_at, last_status, last_error, updated_at, k)
			WHERE d.workspace_id = $1 AND d.id = u.id AND d.lease = u.lease AND u.lease <> ''
			RETURNING u.k),
		logged AS (
			INSERT INTO webhook_attempts (id, workspace_id, endpoint_id, delivery_id, event_id, event_type, attempt,
				status_code, error, latency_us, response, created_at)
			SELECT a.id, $1, a.endpoint_id, a.delivery_id, a.event_id, a.event_type, a.attempt, a.status_code,
				a.error, a.latency_us, a.response, a.created_at
			FROM unnest($11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::int[], $17::int[],
				$18::text[], $19::bigint[], $20::text[], $21::timestamptz[])
				AS a(id, endpoint_id, delivery_id, event_id, event_type, attempt, status_code, error, latency_us,
					response, created_at)
			WHERE EXISTS (SELECT 1 FROM webhook_deliveries x
				WHERE x.workspace_id = $1 AND x.id = a.delivery_id AND x.endpoint_id = a.endpoint_id))
		SELECT k FROM finished`,
		ws, ids, leases, states, attempts, nextAts, lastAttemptAts, lastStatuses, lastErrors, updatedAts,
		aIDs, aEndpoints, aDeliveries, aEvents, aTypes, aAttempts, aStatuses, aErrors, aLatencies, aResponses, aCreated)
	if err != nil {
		return wrapErr(err, "finish webhook deliveries")
	}
	defer rows.Close()
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			return wrapErr(err, "finish webhook deliveries")
		}
		i := idx[k-1]
		held[i] = true
		fs[i].Delivery.LockedUntil, fs[i].Delivery.Lease = nil, ""
	}
	if err := rows.Err(); err != nil {
		return wrapErr(err, "finish webhook deliveries")
	}
	return nil
}

func (t *txn) CreateWebhookAttempt(ctx context.Context, a *helpdesk.DeliveryAttempt) error {
	var delivery *string
	if a.DeliveryID != "" {
		delivery = &a.DeliveryID
	}
	return t.insert(ctx, a.WorkspaceID, "create webhook attempt", `INSERT INTO webhook_attempts (id, workspace_id,
			endpoint_id, delivery_id, event_id, event_type, attempt, status_code, error, latency_us, response, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		a.ID, a.WorkspaceID, a.EndpointID, delivery, a.EventID, a.EventType, a.Attempt, a.StatusCode, a.Error,
		a.Latency.Microseconds(), a.Response, a.CreatedAt)
}

func (t *txn) DeleteWebhookAttemptsBefore(ctx context.Context, before time.Time) error {
	if _, err := t.exec(ctx, "", `SELECT tixallo_delete_webhook_attempts_before($1)`, before); err != nil {
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
	return list(ctx, r, workspaceID, "webhook deliveries", scanDelivery, `SELECT `+deliveryColumns+`
		FROM webhook_deliveries d
		WHERE d.endpoint_id = $1 AND d.workspace_id = $2 AND d.id < $3
		ORDER BY d.id DESC LIMIT $4`, endpointID, workspaceID, pageBefore(page), noLimit(page.Limit))
}

func (r reader) WebhookAttempts(ctx context.Context, workspaceID, endpointID string, page helpdesk.WebhookPage) ([]helpdesk.DeliveryAttempt, error) {
	return list(ctx, r, workspaceID, "webhook attempts", func(row scanner) (helpdesk.DeliveryAttempt, error) {
		var (
			a        helpdesk.DeliveryAttempt
			delivery *string
			latency  int64
		)
		err := row.Scan(&a.ID, &a.WorkspaceID, &a.EndpointID, &delivery, &a.EventID, &a.EventType, &a.Attempt,
			&a.StatusCode, &a.Error, &latency, &a.Response, &a.CreatedAt)
		if delivery != nil {
			a.DeliveryID = *delivery
		}
		a.Latency = time.Duration(latency) * time.Microsecond
		return a, err
	}, `SELECT id, workspace_id, endpoint_id, delivery_id, event_id, event_type, attempt, status_code, error,
			latency_us, response, created_at
		FROM webhook_attempts
		WHERE endpoint_id = $1 AND workspace_id = $2 AND id < $3
		ORDER BY id DESC LIMIT $4`, endpointID, workspaceID, pageBefore(page), noLimit(page.Limit))
}

func (r reader) WebhookBacklog(ctx context.Context) (pending, unfanned int, err error) {
	err = r.queryRow(ctx, "", `SELECT pending, unfanned FROM tixallo_webhook_backlog()`).Scan(&pending, &unfanned)
	if err != nil {
		return 0, 0, wrapErr(err, "webhook backlog")
	}
	return pending, unfanned, nil
}
