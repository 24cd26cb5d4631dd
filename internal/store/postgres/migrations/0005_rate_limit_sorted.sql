-- The per-key rate limit decides a batch with a handful of statements
-- instead of several per request.
--
-- tixallo_rate_limit_many (0003) ran five to six statements per key of a
-- batch (lock the key row, insert the request's row, delete and read the
-- rows leaving the window, update the key row), each with its executor
-- start-up: pg_stat_statements put a batch of three requests at 510–1,000
-- µs, the largest PostgreSQL cost of a listed page or a created ticket.
-- tixallo_rate_limit_sorted keeps the same tables and the same rules (so
-- instances of both versions still share one exact limit during a rolling
-- upgrade) and touches them set-wise: one statement locks every key row of
-- the batch, in key order (a key's row is created once, the first time the
-- key is seen); a key reads its rows only when some of them can
-- leave the window during this batch, and then only as far as the first
-- that stays; the decisions are made in memory; then one DELETE, one INSERT
-- and one UPDATE write the whole batch.
--
-- The caller sends each key once, in ascending byte order (p_keys), how many
-- requests it has (p_counts) and their times (p_nows, Unix µs, grouped by
-- key in p_keys's order, in arrival order within a key). Answers come in
-- p_nows's order. A request is admitted when fewer than p_limit admitted
-- requests lie in (t − p_window, t], t being its time or, if later, the
-- key's newest admitted time.

SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true);

CREATE FUNCTION tixallo_rate_limit_sorted(p_keys text[], p_counts integer[], p_nows bigint[], p_window bigint,
        p_limit integer, OUT allowed boolean[], OUT used integer[], OUT oldest bigint[])
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
DECLARE
    nk integer := coalesce(cardinality(p_keys), 0);
    r_key text[];
    r_head bigint[];
    r_tail bigint[];
    r_old bigint[];
    r_new bigint[];
    -- What the batch writes: ranges of rows to delete, rows to insert.
    d_key text[] := '{}';
    d_from bigint[] := '{}';
    d_to bigint[] := '{}';
    h_key text[] := '{}';
    h_seq bigint[] := '{}';
    h_t bigint[] := '{}';
    -- One key's log: stored[k] is the time of row base_head + k − 1 (as far
    -- as it was read), added[k] that of row base_tail + k − 1.
    stored bigint[];
    added bigint[];
    base_head bigint;
    base_tail bigint;
    v_head bigint;
    v_tail bigint;
    v_new bigint;
    v_t bigint;
    v_max bigint;
    v_old bigint;
    v_ok boolean;
    total integer := 0;
    o integer := 0;
    j integer;
    i integer;
    s bigint;
BEGIN
    allowed := '{}';
    used := '{}';
    oldest := '{}';
    IF nk = 0 THEN
        RETURN;
    END IF;
    IF coalesce(cardinality(p_counts), 0) <> nk THEN
        RAISE EXCEPTION 'tixallo_rate_limit_sorted: % keys but % counts', nk, cardinality(p_counts);
    END IF;
    FOR j IN 1..nk LOOP
        IF p_keys[j] IS NULL OR p_counts[j] IS NULL OR p_counts[j] < 1 THEN
            RAISE EXCEPTION 'tixallo_rate_limit_sorted: key % has no requests', j;
        END IF;
        IF j > 1 AND NOT (p_keys[j - 1] COLLATE "C" < p_keys[j] COLLATE "C") THEN
            RAISE EXCEPTION 'tixallo_rate_limit_sorted: keys are not distinct and ascending';
        END IF;
        total := total + p_counts[j];
    END LOOP;
    IF coalesce(cardinality(p_nows), 0) <> total OR array_position(p_nows, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'tixallo_rate_limit_sorted: % requests but % times', total, cardinality(p_nows);
    END IF;
    -- A lost admission after a crash is harmless; waiting for the disk is not.
    PERFORM set_config('synchronous_commit', 'off', true);

    -- Lock the batch's key rows in key order, as every batch of every
    -- instance does, so batches sharing keys queue instead of deadlocking.
    -- A key without its row yet is the caller's to create, in a transaction
    -- of its own, before it asks again: inserting it here, while holding
    -- other keys' locks, would take a lock out of order.
    SELECT array_agg(r.key ORDER BY r.key), array_agg(r.head ORDER BY r.key), array_agg(r.tail ORDER BY r.key),
           array_agg(r.oldest ORDER BY r.key), array_agg(r.newest ORDER BY r.key)
        INTO r_key, r_head, r_tail, r_old, r_new
        FROM (SELECT k.key, k.head, k.tail, k.oldest, k.newest FROM rate_limit_keys k
              WHERE k.key = ANY(p_keys) ORDER BY k.key FOR UPDATE) r;
    IF coalesce(cardinality(r_key), 0) <> nk THEN
        RAISE EXCEPTION USING ERRCODE = 'TXRL1',
            MESSAGE = format('tixallo_rate_limit_sorted: %s of %s keys have no row', nk - coalesce(cardinality(r_key), 0), nk);
    END IF;

    FOR j IN 1..nk LOOP
        base_head := r_head[j];
        base_tail := r_tail[j];
        v_head := base_head;
        v_tail := base_tail;
        v_new := r_new[j];
        added := '{}';
        stored := '{}';
        IF v_tail > v_head THEN
            v_max := v_new;
            FOR i IN o + 1..o + p_counts[j] LOOP
                v_max := greatest(v_max, p_nows[i]);
            END LOOP;
            IF v_new <= greatest(p_nows[o + 1], v_new) - p_window THEN
                -- A quiet key: all of its log left the window before the
                -- first request. No need to read it.
                v_head := v_tail;
            ELSIF r_old[j] <= v_max - p_window THEN
                -- Some rows leave the window during this batch: read them,
                -- and the first one that stays.
                FOR v_t IN SELECT h.t FROM rate_limit_hits h
                        WHERE h.key = r_key[j] AND h.seq >= base_head AND h.seq < base_tail ORDER BY h.seq LOOP
                    stored := array_append(stored, v_t);
                    EXIT WHEN v_t > v_max - p_window;
                END LOOP;
            ELSE
                stored := ARRAY[r_old[j]];
            END IF;
        END IF;

        FOR i IN o + 1..o + p_counts[j] LOOP
            v_t := p_nows[i];
            IF v_tail > v_head AND v_new > v_t THEN
                v_t := v_new;
            END IF;
            LOOP
                EXIT WHEN v_tail <= v_head;
                v_old := CASE WHEN v_head < base_tail THEN stored[v_head - base_head + 1]
                              ELSE added[v_head - base_tail + 1] END;
                IF v_old IS NULL THEN
                    RAISE EXCEPTION 'tixallo_rate_limit_sorted: the log of a key misses row %', v_head;
                END IF;
                EXIT WHEN v_old > v_t - p_window;
                v_head := v_head + 1;
            END LOOP;
            v_ok := v_tail - v_head < p_limit;
            IF v_ok THEN
                added := array_append(added, v_t);
                v_tail := v_tail + 1;
                v_new := v_t;
            END IF;
            v_old := CASE WHEN v_tail <= v_head THEN NULL
                          WHEN v_head < base_tail THEN stored[v_head - base_head + 1]
                          ELSE added[v_head - base_tail + 1] END;
            allowed := array_append(allowed, v_ok);
            used := array_append(used, (v_tail - v_head)::integer);
            oldest := array_append(oldest, v_old);
        END LOOP;

        IF v_head > base_head AND base_tail > base_head THEN
            d_key := array_append(d_key, r_key[j]);
            d_from := array_append(d_from, base_head);
            d_to := array_append(d_to, least(v_head, base_tail));
        END IF;
        FOR s IN greatest(base_tail, v_head)..v_tail - 1 LOOP
            h_key := array_append(h_key, r_key[j]);
            h_seq := array_append(h_seq, s);
            h_t := array_append(h_t, added[s - base_tail + 1]);
        END LOOP;
        r_head[j] := v_head;
        r_tail[j] := v_tail;
        r_new[j] := v_new;
        r_old[j] := v_old;
        o := o + p_counts[j];
    END LOOP;

    IF cardinality(d_key) > 0 THEN
        DELETE FROM rate_limit_hits h USING unnest(d_key, d_from, d_to) AS x(k, a, b)
            WHERE h.key = x.k AND h.seq >= x.a AND h.seq < x.b;
    END IF;
    IF cardinality(h_key) > 0 THEN
        INSERT INTO rate_limit_hits (key, seq, t) SELECT * FROM unnest(h_key, h_seq, h_t);
    END IF;
    UPDATE rate_limit_keys k SET head = x.h, tail = x.t, oldest = x.o, newest = x.n
        FROM unnest(r_key, r_head, r_tail, r_old, r_new) AS x(key, h, t, o, n)
        WHERE k.key = x.key;
END
$$;

-- tixallo_rate_limit_add_keys creates the rows of keys seen for the first
-- time (after tixallo_rate_limit_sorted refused a batch with SQLSTATE
-- TXRL1), in key order, in its own transaction.
CREATE FUNCTION tixallo_rate_limit_add_keys(p_keys text[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    INSERT INTO rate_limit_keys (key, head, tail)
        SELECT k, 0, 0 FROM unnest(p_keys) AS k WHERE k IS NOT NULL ORDER BY k COLLATE "C"
        ON CONFLICT (key) DO NOTHING;
END
$$;

REVOKE ALL ON FUNCTION tixallo_rate_limit_sorted(text[], integer[], bigint[], bigint, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION tixallo_rate_limit_add_keys(text[]) FROM PUBLIC;
