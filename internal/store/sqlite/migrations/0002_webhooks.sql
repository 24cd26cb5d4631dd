-- Webhooks: the endpoints a workspace's admins configure, one delivery per
-- (endpoint, event) that the dispatcher fans events out to, and the log of
-- every HTTP attempt.

-- Fan-out marker. An event is written with webhook_pending = 1 in the same
-- transaction as the change that fired it; the dispatcher creates its
-- deliveries and clears the flag in one transaction, so an event is fanned
-- out exactly once and never lost between the two. A flag rather than a
-- cursor over seq, because with PostgreSQL a lower seq can commit after a
-- higher one, and a cursor would skip it. The partial index holds only the
-- events still waiting, so it stays a handful of rows.
ALTER TABLE events ADD COLUMN webhook_pending INTEGER NOT NULL DEFAULT 1;
-- Events that predate webhooks have no endpoint to go to.
UPDATE events SET webhook_pending = 0;
CREATE INDEX events_webhook_pending ON events (seq) WHERE webhook_pending = 1;

CREATE TABLE webhook_endpoints (
    id                      TEXT PRIMARY KEY,
    workspace_id            TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    url                     TEXT NOT NULL,
    description             TEXT NOT NULL DEFAULT '',
    event_types             TEXT NOT NULL,           -- comma-separated, in helpdesk.EventTypes order
    active                  INTEGER NOT NULL DEFAULT 1,
    disabled_reason         TEXT NOT NULL DEFAULT '', -- why Tixallo disabled it
    disabled_at             INTEGER,
    secret_sealed           BLOB NOT NULL,           -- AES-GCM under the server key; never plaintext
    previous_secret_sealed  BLOB,                    -- signs too until previous_expires_at
    previous_expires_at     INTEGER,
    failing_since           INTEGER,                 -- start of the current run of failures
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_endpoints_workspace ON webhook_endpoints (workspace_id, created_at);

CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    workspace_id     TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    -- Deliveries live as long as their event (30 days).
    event_id         TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    event_type       TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_at          INTEGER NOT NULL,
    -- The dispatcher's lease: nobody else claims the row before
    -- locked_until, and only the holder of lease may record its result.
    locked_until     INTEGER,
    lease            TEXT NOT NULL DEFAULT '',
    last_attempt_at  INTEGER,
    last_status      INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (endpoint_id, event_id)
) STRICT;
-- The dispatcher's claim walks this, earliest first; only pending rows are in it.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE state = 'pending';
-- The delivery log of one endpoint, newest first (ids are UUIDv7). Its
-- leading endpoint_id also serves the cascade when an endpoint is deleted.
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
-- The cascade when old events are pruned.
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    endpoint_id  TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    delivery_id  TEXT REFERENCES webhook_deliveries(id) ON DELETE CASCADE, -- NULL for a test event
    event_id     TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    attempt      INTEGER NOT NULL,
    status_code  INTEGER NOT NULL,       -- 0 when no response arrived
    error        TEXT NOT NULL DEFAULT '',
    latency_us   INTEGER NOT NULL,
    response     TEXT NOT NULL DEFAULT '', -- the first 1 KB of the body
    created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id);
CREATE INDEX webhook_attempts_created ON webhook_attempts (created_at);
