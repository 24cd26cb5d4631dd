-- Tixallo's SQLite schema. Times are INTEGER microseconds since the Unix
-- epoch (UTC), the precision PostgreSQL keeps too. Ids are UUID text.
-- Every tenant-owned table carries workspace_id, and every index used by a
-- tenant query starts with it.

CREATE TABLE workspaces (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL UNIQUE,
    ticket_seq  INTEGER NOT NULL DEFAULT 0, -- last ticket number handed out
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE, -- normalised: trimmed, lower-case
    name           TEXT NOT NULL,
    password_hash  TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE memberships (
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
) STRICT;
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE sessions (
    token_hash    BLOB PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE invites (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    email         TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
    token_hash    BLOB NOT NULL UNIQUE,
    invited_by    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    accepted_at   INTEGER
) STRICT;
CREATE INDEX invites_workspace ON invites (workspace_id, created_at);

CREATE TABLE inboxes (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    is_default    INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX inboxes_workspace ON inboxes (workspace_id, name);
-- At most one default inbox per workspace; the service keeps it at exactly one.
CREATE UNIQUE INDEX inboxes_one_default ON inboxes (workspace_id) WHERE is_default = 1;

CREATE TABLE companies (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    domain        TEXT,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX companies_workspace ON companies (workspace_id, name);

CREATE TABLE customers (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    email         TEXT NOT NULL, -- normalised: trimmed, lower-case
    name          TEXT,
    company_id    TEXT REFERENCES companies(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (workspace_id, email)
) STRICT;
CREATE INDEX customers_company ON customers (workspace_id, company_id);

CREATE TABLE tickets (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    number          INTEGER NOT NULL,
    subject         TEXT NOT NULL,
    description     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('new', 'open', 'pending', 'closed')),
    priority        TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    source          TEXT NOT NULL CHECK (source IN ('api', 'web', 'email')),
    inbox_id        TEXT NOT NULL REFERENCES inboxes(id),
    customer_id     TEXT NOT NULL REFERENCES customers(id),
    assignee_id     TEXT REFERENCES users(id) ON DELETE SET NULL,
    merged_into_id  TEXT REFERENCES tickets(id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (workspace_id, number)
) STRICT;
-- Keyset paging, newest first, within a status. Partial, because lists and
-- counts leave merged tickets out. merged_into_id is always NULL here; it is
-- in the index so that counting tickets by status never reads the table.
CREATE INDEX tickets_status ON tickets (workspace_id, status, number, merged_into_id)
    WHERE merged_into_id IS NULL;
CREATE INDEX tickets_customer ON tickets (workspace_id, customer_id, number);
CREATE INDEX tickets_assignee ON tickets (workspace_id, assignee_id, number);
CREATE INDEX tickets_inbox ON tickets (workspace_id, inbox_id, number);

CREATE TABLE messages (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ticket_id     TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    author_type   TEXT NOT NULL CHECK (author_type IN ('customer', 'agent')),
    author_name   TEXT NOT NULL,
    author_id     TEXT REFERENCES users(id) ON DELETE SET NULL,
    body          TEXT NOT NULL,
    source        TEXT NOT NULL CHECK (source IN ('api', 'web', 'email')),
    internal      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX messages_ticket ON messages (workspace_id, ticket_id, created_at, id);

CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    key_id        TEXT NOT NULL UNIQUE,  -- public 8-character id
    hash          BLOB NOT NULL,          -- SHA-256 of the full key; the key itself is never stored
    scope         TEXT NOT NULL CHECK (scope IN ('read', 'read_write')),
    created_at    INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    last_used_at  INTEGER,
    expires_at    INTEGER,
    revoked_at    INTEGER,
    revoked_by    TEXT
) STRICT;
CREATE INDEX api_keys_workspace ON api_keys (workspace_id, created_at);

CREATE TABLE audit_entries (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    action        TEXT NOT NULL,
    actor_id      TEXT NOT NULL,
    target        TEXT NOT NULL DEFAULT '',
    detail        TEXT NOT NULL DEFAULT '',
    ip            TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
) STRICT;
-- id breaks ties, so the newest-first list is one ordered index walk.
CREATE INDEX audit_entries_workspace ON audit_entries (workspace_id, created_at, id);

-- The outbox. seq is the commit order (SQLite has one writer), which the
-- events feed pages on and the webhook dispatcher reads in.
CREATE TABLE events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    type          TEXT NOT NULL,
    payload       BLOB NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX events_workspace ON events (workspace_id, seq);
CREATE INDEX events_created ON events (created_at);

CREATE TABLE idempotency_records (
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    fingerprint   BLOB NOT NULL,
    status        INTEGER NOT NULL DEFAULT 0, -- 0 while the first request runs
    body          BLOB,
    location      TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    locked_until  INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, key)
) STRICT;
CREATE INDEX idempotency_records_created ON idempotency_records (created_at);
