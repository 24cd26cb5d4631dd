-- tixallo_rate_limit_many decides a batch of rate-limit requests in one
-- statement: a process sends every Allow call that arrived while its previous
-- batch was in flight (see ratelimit.go), so concurrent API requests share a
-- round trip and a transaction instead of paying for one each.
--
-- Request i is key p_keys[i] at p_nows[i] (Unix µs). Each request is decided
-- exactly as tixallo_rate_limit decides it, in the order of the arrays within
-- one key. Rows are locked in key order, so batches of several instances that
-- share keys queue behind each other and never deadlock; the row lock makes
-- the limit exact across instances, as before. One row is returned per
-- request, in the arrays' order.

SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true);

CREATE FUNCTION tixallo_rate_limit_many(p_keys text[], p_nows bigint[], p_window bigint, p_limit integer)
    RETURNS TABLE (allowed boolean, used integer, oldest bigint)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
DECLARE
    n integer := cardinality(p_keys);
    ok boolean[] := array_fill(false, ARRAY[n]);
    us integer[] := array_fill(0, ARRAY[n]);
    ol bigint[] := array_fill(NULL::bigint, ARRAY[n]);
    k text;
    idx integer[];
    log bigint[];
    t bigint;
    i integer;
    lo integer;
BEGIN
    IF n IS NULL OR n = 0 THEN
        RETURN;
    END IF;
    IF cardinality(p_nows) IS DISTINCT FROM n THEN
        RAISE EXCEPTION 'tixallo_rate_limit_many: % keys but % times', n, cardinality(p_nows);
    END IF;
    -- A lost admission after a crash is harmless; waiting for the disk is not.
    PERFORM set_config('synchronous_commit', 'off', true);
    FOR k, idx IN
        SELECT x.k, array_agg(x.i ORDER BY x.i) FROM unnest(p_keys) WITH ORDINALITY AS x(k, i)
        GROUP BY x.k ORDER BY x.k
    LOOP
        SELECT r.times INTO log FROM rate_limit_logs r WHERE r.key = k FOR UPDATE;
        IF NOT FOUND THEN
            INSERT INTO rate_limit_logs (key, times) VALUES (k, '{}') ON CONFLICT (key) DO NOTHING;
            SELECT r.times INTO log FROM rate_limit_logs r WHERE r.key = k FOR UPDATE;
        END IF;
        FOREACH i IN ARRAY idx LOOP
            t := p_nows[i];
            -- A clock behind the log counts as the log's newest time, which
            -- keeps the log sorted and errs towards refusing.
            IF cardinality(log) > 0 AND log[cardinality(log)] > t THEN
                t := log[cardinality(log)];
            END IF;
            -- The log is sorted, so what left the window is at its front.
            lo := 1;
            WHILE lo <= cardinality(log) AND log[lo] <= t - p_window LOOP
                lo := lo + 1;
            END LOOP;
            IF lo > 1 THEN
                log := log[lo:];
            END IF;
            ok[i] := cardinality(log) < p_limit;
            IF ok[i] THEN
                log := log || t;
            END IF;
            us[i] := cardinality(log);
            ol[i] := log[1];
        END LOOP;
        UPDATE rate_limit_logs SET times = log WHERE key = k;
    END LOOP;
    RETURN QUERY SELECT ok[j], us[j], ol[j] FROM generate_series(1, n) AS j ORDER BY j;
END
$$;

REVOKE ALL ON FUNCTION tixallo_rate_limit_many(text[], bigint[], bigint, integer) FROM PUBLIC;
