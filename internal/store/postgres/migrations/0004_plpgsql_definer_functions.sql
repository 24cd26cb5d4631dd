-- The definer functions on hot paths become PL/pgSQL, which keeps their plans.
--
-- A LANGUAGE sql function that cannot be inlined (and a SECURITY DEFINER
-- function with a SET clause never is) parses and plans its body on every
-- call. pg_stat_statements on the benchmark showed what that costs: 590 µs a
-- call to find due webhook deliveries when there were none, 270 µs to read
-- the events still to fan out, 200 µs to look up an API key. A PL/pgSQL body
-- is planned once per connection and its plan reused, so each of these now
-- costs about what its one statement costs. Bodies, signatures and grants
-- are unchanged (CREATE OR REPLACE keeps the privileges); `#variable_conflict
-- use_column` lets the queries name columns that share a name with an output
-- column, as the SQL bodies did.

SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true);

CREATE OR REPLACE FUNCTION tixallo_workspace_by_slug(p_slug text) RETURNS SETOF workspaces
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ BEGIN RETURN QUERY SELECT * FROM workspaces WHERE slug = p_slug; END $$;

CREATE OR REPLACE FUNCTION tixallo_memberships_of_user(p_user_id text)
    RETURNS TABLE (workspace_id text, user_id text, role text, email text, name text, created_at timestamptz)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY SELECT m.workspace_id, m.user_id, m.role, u.email, u.name, m.created_at
        FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.user_id = p_user_id
        ORDER BY m.created_at, m.workspace_id;
END $$;

CREATE OR REPLACE FUNCTION tixallo_session(p_token_hash bytea) RETURNS SETOF sessions
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ BEGIN RETURN QUERY SELECT * FROM sessions WHERE token_hash = p_token_hash; END $$;

CREATE OR REPLACE FUNCTION tixallo_touch_session(p_token_hash bytea, p_at timestamptz) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
DECLARE
    n bigint;
BEGIN
    UPDATE sessions SET last_seen_at = p_at WHERE token_hash = p_token_hash;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

CREATE OR REPLACE FUNCTION tixallo_invite_by_token_hash(p_token_hash bytea) RETURNS SETOF invites
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ BEGIN RETURN QUERY SELECT * FROM invites WHERE token_hash = p_token_hash; END $$;

CREATE OR REPLACE FUNCTION tixallo_api_key_by_key_id(p_key_id text) RETURNS SETOF api_keys
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ BEGIN RETURN QUERY SELECT * FROM api_keys WHERE key_id = p_key_id; END $$;

CREATE OR REPLACE FUNCTION tixallo_touch_api_keys(p_ids text[], p_ats timestamptz[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
BEGIN
    UPDATE api_keys k SET last_used_at = u.at
        FROM unnest(p_ids, p_ats) AS u(id, at)
        WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at);
END $$;

CREATE OR REPLACE FUNCTION tixallo_unfanned_events(p_limit integer)
    RETURNS TABLE (seq bigint, id text, workspace_id text, type text, created_at timestamptz)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY SELECT e.seq, e.id, e.workspace_id, e.type, e.created_at FROM events e
        WHERE e.webhook_pending ORDER BY e.seq LIMIT p_limit
        FOR UPDATE SKIP LOCKED;
END $$;

CREATE OR REPLACE FUNCTION tixallo_mark_events_fanned_out(p_seqs bigint[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ BEGIN UPDATE events SET webhook_pending = false WHERE seq = ANY(p_seqs); END $$;

CREATE OR REPLACE FUNCTION tixallo_due_webhook_deliveries(p_now timestamptz, p_skip_endpoints text[], p_limit integer)
    RETURNS TABLE (id text, workspace_id text, endpoint_id text, event_id text, event_type text, state text,
        attempts integer, next_at timestamptz, locked_until timestamptz, lease text, last_attempt_at timestamptz,
        last_status integer, last_error text, created_at timestamptz, updated_at timestamptz,
        payload bytea, event_created_at timestamptz)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY SELECT d.id, d.workspace_id, d.endpoint_id, d.event_id, d.event_type, d.state, d.attempts,
            d.next_at, d.locked_until, d.lease, d.last_attempt_at, d.last_status, d.last_error, d.created_at,
            d.updated_at, ev.payload, ev.created_at
        FROM webhook_deliveries d
        JOIN webhook_endpoints e ON e.id = d.endpoint_id
        JOIN events ev ON ev.id = d.event_id
        WHERE d.state = 'pending' AND d.next_at <= p_now
          AND (d.locked_until IS NULL OR d.locked_until <= p_now)
          AND e.active
          AND d.endpoint_id <> ALL(p_skip_endpoints)
        ORDER BY d.next_at
        LIMIT p_limit
        FOR UPDATE OF d SKIP LOCKED;
END $$;

CREATE OR REPLACE FUNCTION tixallo_lease_webhook_deliveries(p_ids text[], p_now timestamptz, p_until timestamptz, p_lease text)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
DECLARE
    n bigint;
BEGIN
    UPDATE webhook_deliveries SET locked_until = p_until, lease = p_lease
        WHERE id = ANY(p_ids) AND state = 'pending' AND (locked_until IS NULL OR locked_until <= p_now);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

CREATE OR REPLACE FUNCTION tixallo_webhook_backlog(OUT pending bigint, OUT unfanned bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
BEGIN
    pending := (SELECT count(*) FROM webhook_deliveries WHERE state = 'pending');
    unfanned := (SELECT count(*) FROM events WHERE webhook_pending);
END $$;
