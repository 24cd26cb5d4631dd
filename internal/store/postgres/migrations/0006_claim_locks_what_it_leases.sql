-- A webhook claim locks only the deliveries it leases, and leases them in
-- the statement that locks them.
--
-- Until now a claim read its due deliveries with FOR UPDATE SKIP LOCKED
-- (tixallo_due_webhook_deliveries), twice its limit plus one endpoint's cap
-- of them, so that the dispatcher could pass over endpoints at their
-- per-endpoint cap in Go, and then leased the ones it kept by id
-- (tixallo_lease_webhook_deliveries). In the webhook benchmark that locked
-- about 60 rows a call to lease about 23: every lock is a write to the row
-- (and to the WAL), and the two calls were two round trips.
--
-- tixallo_claim_webhook_deliveries picks the deliveries first without
-- locking anything: due ones, earliest first, from endpoints that are
-- active and below their cap, each endpoint's numbered in next_at order
-- from what the caller already has in flight there (p_busy_*), so that a
-- delivery is picked only while its endpoint still has room. Then one
-- UPDATE locks the picked rows with SKIP LOCKED (re-checking under the lock
-- that each is still due), writes the lease and returns them with their
-- event. A row another dispatcher is claiming at that moment is skipped,
-- as before, so each attempt is still made by exactly one dispatcher; when
-- that happens the pick runs again without those rows, counting what was
-- just leased against the caps, so the second of two dispatchers that
-- claim at once gets the next deliveries instead of nothing. Three rounds
-- at most: past that the caller's next cycle picks up the rest.
--
-- The two functions it replaces stay, for a binary of the previous
-- version still running against this schema during an upgrade.

SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true);

CREATE FUNCTION tixallo_claim_webhook_deliveries(p_now timestamptz, p_until timestamptz, p_lease text,
        p_limit integer, p_per_endpoint integer, p_busy_endpoints text[], p_busy_counts integer[])
    RETURNS TABLE (id text, workspace_id text, endpoint_id text, event_id text, event_type text, state text,
        attempts integer, next_at timestamptz, locked_until timestamptz, lease text, last_attempt_at timestamptz,
        last_status integer, last_error text, created_at timestamptz, updated_at timestamptz,
        payload bytea, event_created_at timestamptz)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT SET enable_seqscan = off
    AS $$
#variable_conflict use_column
DECLARE
    v_busy_endpoints text[] := coalesce(p_busy_endpoints, '{}');
    v_busy_counts integer[] := coalesce(p_busy_counts, '{}');
    v_full text[];
    v_passed text[] := '{}'; -- picked, but another dispatcher held them
    v_want integer := p_limit;
    v_ids text[];
    v_got bigint;
BEGIN
    FOR v_round IN 1..3 LOOP
        SELECT coalesce(array_agg(b.endpoint), '{}') INTO v_full
            FROM unnest(v_busy_endpoints, v_busy_counts) AS b(endpoint, n)
            WHERE b.n >= p_per_endpoint;
        -- The scan reads a bounded window (the endpoints at their cap are
        -- passed over in it); the caller claims again while it has room.
        SELECT coalesce(array_agg(r.id ORDER BY r.next_at, r.id), '{}') INTO v_ids
            FROM (
                SELECT w.id, w.next_at
                FROM (
                    SELECT c.id, c.next_at, coalesce(b.n, 0)
                            + row_number() OVER (PARTITION BY c.endpoint_id ORDER BY c.next_at, c.id) AS slot
                    FROM (
                        SELECT d.id, d.endpoint_id, d.next_at
                        FROM webhook_deliveries d
                        JOIN webhook_endpoints e ON e.id = d.endpoint_id
                        WHERE d.state = 'pending' AND d.next_at <= p_now
                          AND (d.locked_until IS NULL OR d.locked_until <= p_now)
                          AND e.active
                          AND d.endpoint_id <> ALL(v_full)
                          AND d.id <> ALL(v_passed)
                        ORDER BY d.next_at
                        LIMIT 2 * v_want + p_per_endpoint) c
                    LEFT JOIN unnest(v_busy_endpoints, v_busy_counts) AS b(endpoint, n) ON b.endpoint = c.endpoint_id
                ) w
                WHERE w.slot <= p_per_endpoint
                ORDER BY w.next_at, w.id
                LIMIT v_want
            ) r;
        EXIT WHEN cardinality(v_ids) = 0;

        -- Found by primary key: the check that a row is still due sits in a
        -- CASE, which the planner cannot match against the partial index of
        -- pending rows (see 0005). Under the lock it sees the row as the
        -- last commit left it.
        RETURN QUERY
            WITH leased AS (
                UPDATE webhook_deliveries d SET locked_until = p_until, lease = p_lease
                WHERE d.id IN (
                    SELECT f.id FROM webhook_deliveries f
                    WHERE f.id = ANY(v_ids)
                      AND CASE WHEN f.state = 'pending' AND (f.locked_until IS NULL OR f.locked_until <= p_now)
                          THEN true ELSE false END
                    FOR UPDATE SKIP LOCKED)
                RETURNING d.*)
            SELECT l.id, l.workspace_id, l.endpoint_id, l.event_id, l.event_type, l.state, l.attempts, l.next_at,
                l.locked_until, l.lease, l.last_attempt_at, l.last_status, l.last_error, l.created_at,
                l.updated_at, ev.payload, ev.created_at
            FROM leased l JOIN events ev ON ev.id = l.event_id
            ORDER BY l.next_at, l.id;
        GET DIAGNOSTICS v_got = ROW_COUNT;
        v_want := v_want - v_got::integer;
        EXIT WHEN v_got = cardinality(v_ids) OR v_want <= 0;

        -- Some were held by another dispatcher: pass over them, and count
        -- what this round leased against the caps.
        SELECT coalesce(array_agg(u.endpoint), '{}'), coalesce(array_agg(u.n), '{}')
            INTO v_busy_endpoints, v_busy_counts
            FROM (
                SELECT a.endpoint, sum(a.n)::integer AS n
                FROM (
                    SELECT b.endpoint, b.n FROM unnest(v_busy_endpoints, v_busy_counts) AS b(endpoint, n)
                    UNION ALL
                    SELECT d.endpoint_id, 1 FROM webhook_deliveries d WHERE d.id = ANY(v_ids) AND d.lease = p_lease
                ) a
                GROUP BY a.endpoint
            ) u;
        v_passed := v_passed || ARRAY(SELECT d.id FROM webhook_deliveries d
            WHERE d.id = ANY(v_ids) AND d.lease <> p_lease);
    END LOOP;
END $$;

REVOKE ALL ON FUNCTION tixallo_claim_webhook_deliveries(timestamptz, timestamptz, text, integer, integer, text[], integer[])
    FROM PUBLIC;
