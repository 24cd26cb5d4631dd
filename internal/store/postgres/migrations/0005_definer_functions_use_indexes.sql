-- Plans made on the wrong picture of a table.
--
-- The PL/pgSQL definer functions of 0004 keep their plans for the life of a
-- connection, and PostgreSQL settles on a generic plan after five calls.
-- Planned while a table is nearly empty (a fresh database, the webhook
-- tables before the first endpoint) that plan can be a sequential scan, and
-- it stays while the table grows, until an ANALYZE happens to invalidate
-- it. Every statement in these functions has an index made for it, so they
-- are told never to plan a sequential scan where an index can serve.

SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true);

ALTER FUNCTION tixallo_workspace_by_slug(text) SET enable_seqscan = off;
ALTER FUNCTION tixallo_memberships_of_user(text) SET enable_seqscan = off;
ALTER FUNCTION tixallo_session(bytea) SET enable_seqscan = off;
ALTER FUNCTION tixallo_touch_session(bytea, timestamptz) SET enable_seqscan = off;
ALTER FUNCTION tixallo_invite_by_token_hash(bytea) SET enable_seqscan = off;
ALTER FUNCTION tixallo_api_key_by_key_id(text) SET enable_seqscan = off;
ALTER FUNCTION tixallo_unfanned_events(integer) SET enable_seqscan = off;
ALTER FUNCTION tixallo_mark_events_fanned_out(bigint[]) SET enable_seqscan = off;
ALTER FUNCTION tixallo_due_webhook_deliveries(timestamptz, text[], integer) SET enable_seqscan = off;
-- The rate limit's key table holds one small row per API key: the first
-- plans of a new database see a table of a page or two.
ALTER FUNCTION tixallo_rate_limit_many(text[], bigint[], bigint, integer) SET enable_seqscan = off;

-- Leasing claimed deliveries by id went through the partial index of
-- pending deliveries, with the ids as a filter: the statistics, taken when
-- nothing was pending, make that index look empty, but under a backlog it
-- holds thousands of rows, and a lease of 22 deliveries took 1–8 ms in the
-- webhook benchmark. The check that each row is still pending and free now
-- sits in a CASE, which PostgreSQL cannot match against the partial index's
-- predicate, so the rows are found by primary key whatever the statistics
-- say. (The claim that chose them locked them, FOR UPDATE, in the same
-- transaction, so the check only guards against a mistake.)
CREATE OR REPLACE FUNCTION tixallo_lease_webhook_deliveries(p_ids text[], p_now timestamptz, p_until timestamptz, p_lease text)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT SET enable_seqscan = off
    AS $$
DECLARE
    n bigint;
BEGIN
    UPDATE webhook_deliveries SET locked_until = p_until, lease = p_lease
        WHERE id = ANY(p_ids)
          AND CASE WHEN state = 'pending' AND (locked_until IS NULL OR locked_until <= p_now) THEN true ELSE false END;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
