-- Webhooks: the endpoints a workspace's admins configure, one delivery per
-- (endpoint, event) that the dispatchers fan events out to, and the log of
-- every HTTP attempt. Same tables as SQLite's 0002_webhooks.sql.

SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true);

-- Fan-out marker: an event is written pending in the same transaction as
-- the change that fired it; a dispatcher creates its deliveries and clears
-- the flag in one transaction. A flag rather than a cursor over seq,
-- because across workspaces a lower seq can commit after a higher one.
ALTER TABLE events ADD COLUMN webhook_pending boolean NOT NULL DEFAULT true;
UPDATE events SET webhook_pending = false; -- earlier events had no endpoint to go to
CREATE INDEX events_webhook_pending ON events (seq) WHERE webhook_pending;

CREATE TABLE webhook_endpoints (
    id                      text COLLATE "C" PRIMARY KEY,
    workspace_id            text COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    url                     text COLLATE "C" NOT NULL,
    description             text COLLATE "C" NOT NULL DEFAULT '',
    event_types             text COLLATE "C" NOT NULL, -- comma-separated, in helpdesk.EventTypes order
    active                  boolean NOT NULL DEFAULT true,
    disabled_reason         text COLLATE "C" NOT NULL DEFAULT '',
    disabled_at             timestamptz,
    secret_sealed           bytea NOT NULL,            -- AES-GCM under the server key; never plaintext
    previous_secret_sealed  bytea,
    previous_expires_at     timestamptz,
    failing_since           timestamptz,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL
);
CREATE INDEX webhook_endpoints_workspace ON webhook_endpoints (workspace_id, created_at);

CREATE TABLE webhook_deliveries (
    id               text COLLATE "C" PRIMARY KEY,
    workspace_id     text COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    endpoint_id      text COLLATE "C" NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_id         text COLLATE "C" NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    event_type       text COLLATE "C" NOT NULL,
    state            text COLLATE "C" NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_at          timestamptz NOT NULL,
    locked_until     timestamptz,
    lease            text COLLATE "C" NOT NULL DEFAULT '',
    last_attempt_at  timestamptz,
    last_status      integer NOT NULL DEFAULT 0,
    last_error       text COLLATE "C" NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
    id           text COLLATE "C" PRIMARY KEY,
    workspace_id text COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    endpoint_id  text COLLATE "C" NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    delivery_id  text COLLATE "C" REFERENCES webhook_deliveries(id) ON DELETE CASCADE, -- NULL for a test event
    event_id     text COLLATE "C" NOT NULL,
    event_type   text COLLATE "C" NOT NULL,
    attempt      integer NOT NULL,
    status_code  integer NOT NULL,
    error        text COLLATE "C" NOT NULL DEFAULT '',
    latency_us   bigint NOT NULL,
    response     text COLLATE "C" NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id);
CREATE INDEX webhook_attempts_created ON webhook_attempts (created_at);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['webhook_endpoints', 'webhook_deliveries', 'webhook_attempts']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant ON %I USING (workspace_id = tixallo_workspace())'
            ' WITH CHECK (workspace_id = tixallo_workspace())', t);
    END LOOP;
END
$$;

-- The dispatchers serve every workspace at once: finding work crosses
-- workspaces, so it goes through these definer functions. Everything a
-- dispatcher then writes about one row names that row's workspace and obeys
-- the policies.

-- Up to p_limit events still to fan out, oldest first, each locked for the
-- calling transaction; rows another dispatcher holds are skipped.
CREATE FUNCTION tixallo_unfanned_events(p_limit integer)
    RETURNS TABLE (seq bigint, id text, workspace_id text, type text, created_at timestamptz)
    LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT seq, id, workspace_id, type, created_at FROM events
          WHERE webhook_pending ORDER BY seq LIMIT p_limit
          FOR UPDATE SKIP LOCKED $$;

CREATE FUNCTION tixallo_mark_events_fanned_out(p_seqs bigint[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ UPDATE events SET webhook_pending = false WHERE seq = ANY(p_seqs) $$;

-- Due deliveries, earliest first, locked for the calling transaction with
-- SKIP LOCKED: two dispatchers claiming at once get disjoint rows, and once
-- the claim commits its lease (locked_until) keeps the others off.
CREATE FUNCTION tixallo_due_webhook_deliveries(p_now timestamptz, p_skip_endpoints text[], p_limit integer)
    RETURNS TABLE (id text, workspace_id text, endpoint_id text, event_id text, event_type text, state text,
        attempts integer, next_at timestamptz, locked_until timestamptz, lease text, last_attempt_at timestamptz,
        last_status integer, last_error text, created_at timestamptz, updated_at timestamptz,
        payload bytea, event_created_at timestamptz)
    LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT d.id, d.workspace_id, d.endpoint_id, d.event_id, d.event_type, d.state, d.attempts, d.next_at,
              d.locked_until, d.lease, d.last_attempt_at, d.last_status, d.last_error, d.created_at, d.updated_at,
              ev.payload, ev.created_at
          FROM webhook_deliveries d
          JOIN webhook_endpoints e ON e.id = d.endpoint_id
          JOIN events ev ON ev.id = d.event_id
          WHERE d.state = 'pending' AND d.next_at <= p_now
            AND (d.locked_until IS NULL OR d.locked_until <= p_now)
            AND e.active
            AND d.endpoint_id <> ALL(p_skip_endpoints)
          ORDER BY d.next_at
          LIMIT p_limit
          FOR UPDATE OF d SKIP LOCKED $$;

-- Leases the deliveries chosen from tixallo_due_webhook_deliveries, re-
-- checking that each is still due; returns how many it leased.
CREATE FUNCTION tixallo_lease_webhook_deliveries(p_ids text[], p_now timestamptz, p_until timestamptz, p_lease text)
    RETURNS bigint
    LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ WITH u AS (
              UPDATE webhook_deliveries SET locked_until = p_until, lease = p_lease
              WHERE id = ANY(p_ids) AND state = 'pending' AND (locked_until IS NULL OR locked_until <= p_now)
              RETURNING 1)
          SELECT count(*) FROM u $$;

CREATE FUNCTION tixallo_delete_webhook_attempts_before(p_before timestamptz) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ DELETE FROM webhook_attempts WHERE created_at < p_before $$;

CREATE FUNCTION tixallo_webhook_backlog(OUT pending bigint, OUT unfanned bigint)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT (SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'),
                 (SELECT count(*) FROM events WHERE webhook_pending) $$;

DO $$
BEGIN
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA %I FROM PUBLIC', current_schema());
END
$$;
