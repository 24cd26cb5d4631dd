-- Tixallo's PostgreSQL schema: the same tables, keys and constraints as the
-- SQLite schema, with PostgreSQL types. Times are timestamptz (microsecond
-- precision, as in SQLite's INTEGER microseconds); ids are text holding
-- UUIDs, so that any string is a valid id that simply names nothing, as on
-- SQLite. Text columns use the "C" collation: sorting and LIKE behave
-- byte-wise, like SQLite's BINARY collation, whatever the database's locale.
--
-- Row-level security: every tenant-owned table has a policy that shows and
-- accepts only rows of the workspace named by the transaction-local setting
-- tixallo.workspace_id. The tables belong to the role that runs this
-- migration; the application works as a role that does not own them (see
-- role.go), so a query that forgets its workspace filter sees nothing. The
-- few look-ups that legitimately cross workspaces go through the SECURITY
-- DEFINER functions at the end of this file, each answering one narrow
-- question.

-- Pin this migration's schema into the functions' search_path (SET
-- search_path FROM CURRENT below), so that a SECURITY DEFINER function can
-- never be pointed at another schema's look-alike tables.
SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true);

-- tixallo_workspace is the workspace the current transaction works for, or
-- NULL when none was set: then every policy below compares with NULL, which
-- is never true, and no row is visible.
CREATE FUNCTION tixallo_workspace() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('tixallo.workspace_id', true), '') $$;

CREATE TABLE workspaces (
    id          text COLLATE "C" PRIMARY KEY,
    name        text COLLATE "C" NOT NULL,
    slug        text COLLATE "C" NOT NULL UNIQUE,
    ticket_seq  bigint NOT NULL DEFAULT 0, -- last ticket number handed out
    created_at  timestamptz NOT NULL
);

-- Users are accounts that span workspaces (one login, many memberships), so
-- they carry no workspace_id and have no tenant policy.
CREATE TABLE users (
    id             text COLLATE "C" PRIMARY KEY,
    email          text COLLATE "C" NOT NULL UNIQUE, -- normalised: trimmed, lower-case
    name           text COLLATE "C" NOT NULL,
    password_hash  text COLLATE "C" NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);

CREATE TABLE memberships (
    workspace_id  text COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id       text COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role          text COLLATE "C" NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE sessions (
    token_hash    bytea PRIMARY KEY,
    user_id       text COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    workspace_id  text COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_workspace ON sessions (workspace_id);

CREATE TABLE invites (
    id            text COLLATE "C" PRIMARY KEY,
    workspace_id  text COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    email         text COLLATE "C" NOT NULL,
    role          text COLLATE "C" NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
    token_hash    bytea NOT NULL UNIQUE,
    invited_by    text COLLATE "C" NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    accepted_at   timestamptz
);
CREATE INDEX invites_workspace ON invites (workspace_id, created_at);

CREATE TABLE inboxes (
    id            text COLLATE "C" PRIMARY KEY,
    workspace_id  text COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          text COLLATE "C" NOT NULL,
    is_default    boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL
);
CREATE INDEX inboxes_workspace ON inboxes (workspace_id, name);
-- At most one default inbox per workspace; the service keeps it at exactly one.
CREATE UNIQUE INDEX inboxes_one_default ON inboxes (workspace_id) WHERE is_default;

CREATE TABLE companies (
    id            text COLLATE "C" PRIMARY KEY,
    workspace_id  text COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          text COLLATE "C" NOT NULL,
    domain        text COLLATE "C",
    created_at    timestamptz NOT NULL
);
CREATE INDEX companies_workspace ON companies (workspace_id, name);

CREATE TABLE customers (
    id            text COLLATE "C" PRIMARY KEY,
    workspace_id  text COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    email         text COLLATE "C" NOT NULL, -- normalised: trimmed, lower-case
    name          text COLLATE "C",
    company_id    text COLLATE "C" REFERENCES companies(id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    UNIQUE (workspace_id, email)
);
CREATE INDEX customers_company ON customers (workspace_id, company_id);

CREATE TABLE tickets (
    id              text COLLATE "C" PRIMARY KEY,
    workspace_id    text COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    number          bigint NOT NULL,
    subject         text COLLATE "C" NOT NULL,
    description     text COLLATE "C" NOT NULL,
    status          text COLLATE "C" NOT NULL CHECK (status IN ('new', 'open', 'pending', 'closed')),
    priority        text COLLATE "C" NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    source          text COLLATE "C" NOT NULL CHECK (source IN ('api', 'web', 'email')),
    inbox_id        text COLLATE "C" NOT NULL REFERENCES inboxes(id),
    customer_id     text COLLATE "C" NOT NULL REFERENCES customers(id),
    assignee_id     text COLLATE "C" REFERENCES users(id) ON DELETE SET NULL,
    merged_into_id  text COLLATE "C" REFERENCES tickets(id),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    UNIQUE (workspace_id, number)
);
-- Keyset paging, newest first, within a status; partial, because lists and
-- counts leave merged tickets out.
CREATE INDEX tickets_status ON tickets (workspace_id, status, number)
    WHERE merged_into_id IS NULL;
CREATE INDEX tickets_customer ON tickets (workspace_id, customer_id, number);
CREATE INDEX tickets_assignee ON tickets (workspace_id, assignee_id, number);
CREATE INDEX tickets_inbox ON tickets (workspace_id, inbox_id, number);

CREATE TABLE messages (
    id            text COLLATE "C" PRIMARY KEY,
    workspace_id  text COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ticket_id     text COLLATE "C" NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    author_type   text COLLATE "C" NOT NULL CHECK (author_type IN ('customer', 'agent')),
    author_name   text COLLATE "C" NOT NULL,
    author_id     text COLLATE "C" REFERENCES users(id) ON DELETE SET NULL,
    body          text COLLATE "C" NOT NULL,
    source        text COLLATE "C" NOT NULL CHECK (source IN ('api', 'web', 'email')),
    internal      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL
);
CREATE INDEX messages_ticket ON messages (workspace_id, ticket_id, created_at, id);

CREATE TABLE api_keys (
    id            text COLLATE "C" PRIMARY KEY,
    workspace_id  text COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          text COLLATE "C" NOT NULL,
    key_id        text COLLATE "C" NOT NULL UNIQUE,  -- public 8-character id
    hash          bytea NOT NULL,                     -- SHA-256 of the full key; the key itself is never stored
    scope         text COLLATE "C" NOT NULL CHECK (scope IN ('read', 'read_write')),
    created_at    timestamptz NOT NULL,
    created_by    text COLLATE "C" NOT NULL,
    last_used_at  timestamptz,
    expires_at    timestamptz,
    revoked_at    timestamptz,
    revoked_by    text COLLATE "C"
);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id, created_at);

CREATE TABLE audit_entries (
    id            text COLLATE "C" PRIMARY KEY,
    workspace_id  text COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    action        text COLLATE "C" NOT NULL,
    actor_id      text COLLATE "C" NOT NULL,
    target        text COLLATE "C" NOT NULL DEFAULT '',
    detail        text COLLATE "C" NOT NULL DEFAULT '',
    ip            text COLLATE "C" NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL
);
CREATE INDEX audit_entries_workspace ON audit_entries (workspace_id, created_at, id);

-- The outbox. seq comes from a sequence, taken while the transaction holds
-- its workspace's row lock (see event.go), so within a workspace seq grows
-- in commit order and a consumer paging by seq never skips a late commit.
CREATE TABLE events (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id            text COLLATE "C" NOT NULL UNIQUE,
    workspace_id  text COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    type          text COLLATE "C" NOT NULL,
    payload       bytea NOT NULL, -- the exact JSON bytes, as built once
    created_at    timestamptz NOT NULL
);
CREATE INDEX events_workspace ON events (workspace_id, seq);
CREATE INDEX events_created ON events (created_at);

CREATE TABLE idempotency_records (
    workspace_id  text COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    key           text COLLATE "C" NOT NULL,
    fingerprint   bytea NOT NULL,
    status        integer NOT NULL DEFAULT 0, -- 0 while the first request runs
    body          bytea,
    location      text COLLATE "C" NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    locked_until  timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, key)
);
CREATE INDEX idempotency_records_created ON idempotency_records (created_at);

-- The per-key API rate limit's sliding log, shared by every instance (see
-- ratelimit.go). Keyed by API key record id; it holds timestamps only, no
-- tenant data. UNLOGGED: it is rebuilt from nothing after a crash, which at
-- worst lets a key make up to one extra window's worth of requests once.
CREATE UNLOGGED TABLE rate_limit_logs (
    key    text COLLATE "C" PRIMARY KEY,
    times  bigint[] NOT NULL -- admitted request times, Unix microseconds, oldest first
);

-- Row-level security on every tenant-owned table. ENABLE without FORCE: the
-- owner (the migrating role) is trusted and the SECURITY DEFINER functions
-- below rely on it; the application's role does not own the tables.
ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON workspaces
    USING (id = tixallo_workspace()) WITH CHECK (id = tixallo_workspace());

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['memberships', 'sessions', 'invites', 'inboxes', 'companies', 'customers',
        'tickets', 'messages', 'api_keys', 'audit_entries', 'events', 'idempotency_records']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant ON %I USING (workspace_id = tixallo_workspace())'
            ' WITH CHECK (workspace_id = tixallo_workspace())', t);
    END LOOP;
END
$$;

-- The narrow paths across workspaces. Each is a credential look-up (a key
-- id, a session or invite token hash: the credential is what names the
-- workspace), a user's own list of memberships, or maintenance that prunes
-- by age. They run as the tables' owner, so the policies do not apply, and
-- each returns or touches only what its arguments name.

CREATE FUNCTION tixallo_workspace_by_slug(p_slug text) RETURNS SETOF workspaces
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT * FROM workspaces WHERE slug = p_slug $$;

CREATE FUNCTION tixallo_memberships_of_user(p_user_id text)
    RETURNS TABLE (workspace_id text, user_id text, role text, email text, name text, created_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT m.workspace_id, m.user_id, m.role, u.email, u.name, m.created_at
          FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.user_id = p_user_id
          ORDER BY m.created_at, m.workspace_id $$;

CREATE FUNCTION tixallo_session(p_token_hash bytea) RETURNS SETOF sessions
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT * FROM sessions WHERE token_hash = p_token_hash $$;

CREATE FUNCTION tixallo_touch_session(p_token_hash bytea, p_at timestamptz) RETURNS bigint
    LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ WITH u AS (UPDATE sessions SET last_seen_at = p_at WHERE token_hash = p_token_hash RETURNING 1)
          SELECT count(*) FROM u $$;

CREATE FUNCTION tixallo_delete_session(p_token_hash bytea) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ DELETE FROM sessions WHERE token_hash = p_token_hash $$;

CREATE FUNCTION tixallo_delete_user_sessions(p_user_id text) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ DELETE FROM sessions WHERE user_id = p_user_id $$;

CREATE FUNCTION tixallo_delete_expired_sessions(p_now timestamptz) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ DELETE FROM sessions WHERE expires_at <= p_now $$;

CREATE FUNCTION tixallo_invite_by_token_hash(p_token_hash bytea) RETURNS SETOF invites
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT * FROM invites WHERE token_hash = p_token_hash $$;

CREATE FUNCTION tixallo_api_key_by_key_id(p_key_id text) RETURNS SETOF api_keys
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT * FROM api_keys WHERE key_id = p_key_id $$;

CREATE FUNCTION tixallo_touch_api_keys(p_ids text[], p_ats timestamptz[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ UPDATE api_keys k SET last_used_at = u.at
          FROM unnest(p_ids, p_ats) AS u(id, at)
          WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at) $$;

CREATE FUNCTION tixallo_delete_events_before(p_before timestamptz) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ DELETE FROM events WHERE created_at < p_before $$;

CREATE FUNCTION tixallo_delete_idempotency_records_before(p_before timestamptz) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ DELETE FROM idempotency_records WHERE created_at < p_before $$;

-- tixallo_rate_limit admits a request for p_key at p_now (Unix µs) when
-- fewer than p_limit admitted requests lie in (p_now − p_window, p_now],
-- recording it; otherwise it records nothing. The row lock serialises every
-- instance's decisions for one key, so the limit is exact across instances.
-- A request whose clock reading is older than the newest admitted one counts
-- as if it came then, which keeps the log sorted and errs towards refusing.
-- It returns whether the request was admitted, how many admitted requests
-- the window now holds, and the oldest of them (NULL when none).
CREATE FUNCTION tixallo_rate_limit(p_key text, p_now bigint, p_window bigint, p_limit integer,
        OUT allowed boolean, OUT used integer, OUT oldest bigint)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
DECLARE
    log bigint[];
    t bigint := p_now;
BEGIN
    -- A lost admission after a crash is harmless; waiting for the disk is not.
    PERFORM set_config('synchronous_commit', 'off', true);
    INSERT INTO rate_limit_logs (key, times) VALUES (p_key, '{}') ON CONFLICT (key) DO NOTHING;
    SELECT times INTO log FROM rate_limit_logs WHERE key = p_key FOR UPDATE;
    IF cardinality(log) > 0 AND log[cardinality(log)] > t THEN
        t := log[cardinality(log)];
    END IF;
    log := ARRAY(SELECT x FROM unnest(log) AS x WHERE x > t - p_window ORDER BY x);
    allowed := cardinality(log) < p_limit;
    IF allowed THEN
        log := log || t;
    END IF;
    UPDATE rate_limit_logs SET times = log WHERE key = p_key;
    used := cardinality(log);
    oldest := log[1];
END
$$;

-- Functions are executable by PUBLIC by default; only the application's role
-- gets them (role.go grants it).
DO $$
BEGIN
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA %I FROM PUBLIC', current_schema());
END
$$;
