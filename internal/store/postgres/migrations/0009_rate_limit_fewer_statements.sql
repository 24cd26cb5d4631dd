-- A batch of rate-limit decisions in a handful of statements, however many
-- keys and requests it holds.
--
-- 0003's function made every key of a batch pay for its own statements:
-- lock its row, insert each admitted request, for each hit leaving the
-- window delete it and read the next one's time, write the row back. Every
-- API request asks for a decision, and at batches of about five keys those
-- statements cost PostgreSQL about as much CPU as the rest of a list
-- request served from memory. Now a batch is decided in at most five
-- statements:
--
-- 1. lock the batch's key rows in key order, creating missing ones on the
--    way, as 0003 did one key at a time;
-- 2. read each key's row, with the times of the stored hits that the
--    batch's requests may push out of the window (a few more than it has
--    requests: in a steady state about as many leave as arrive);
-- 3. decide in memory, reading further hits only when that was not enough;
-- 4. write: one DELETE of each key's range of hits that left the window,
--    one INSERT of every admitted request, one UPDATE of the key rows that
--    changed (a key whose requests were all refused is not written).
--
-- The semantics are 0003's, unchanged: an exact sliding log across
-- instances; requests for one key decided in the arrays' order; a clock
-- behind the log counting at the log's newest time; nothing recorded for a
-- refused request; a quiet key's expired log cleared by one range delete.
-- The function keeps its name, argument types and answers, and works on the
-- same tables with the same locks taken in the same order, so during a
-- rolling upgrade instances still calling 0003's version (and the
-- one-request tixallo_rate_limit of 0001, which calls this one) share one
-- exact limit with these and cannot deadlock with them. CREATE OR REPLACE
-- keeps the function's privileges (no EXECUTE for PUBLIC, EXECUTE for the
-- application role, granted at every migration run); it replaces its
-- settings, so 0005's enable_seqscan = off is in the definition.

SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true);

CREATE OR REPLACE FUNCTION tixallo_rate_limit_many(p_keys text[], p_nows bigint[], p_window bigint, p_limit integer,
        OUT allowed boolean[], OUT used integer[], OUT oldest bigint[])
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT SET enable_seqscan = off
        SET plan_cache_mode = force_generic_plan
    AS $$
DECLARE
    v_count integer := cardinality(p_keys);
    v_ord integer[];   -- the requests in key order, one key's in the arrays' order
    v_key text;
    v_first integer;   -- the key's requests are v_ord[v_first .. v_last]
    v_last integer := 0;
    v_head0 bigint;    -- the key's row as locked: its stored hits are
    v_tail0 bigint;    -- v_head0 ≤ seq < v_tail0
    v_head bigint;
    v_tail bigint;
    v_old bigint;
    v_new bigint;
    v_ahead bigint[];  -- times of stored hits v_from, v_from + 1, …, read ahead
    v_from bigint;
    v_added bigint[];  -- times of the key's admitted requests, seq v_tail0 on
    v_t bigint;
    v_setting text;
    i integer;
BEGIN
    IF cardinality(p_nows) IS DISTINCT FROM v_count THEN
        RAISE EXCEPTION 'tixallo_rate_limit_many: % keys but % times', v_count, cardinality(p_nows);
    END IF;
    IF v_count = 0 THEN
        allowed := '{}';
        used := '{}';
        oldest := '{}';
        RETURN;
    END IF;
    -- A lost admission after a crash is harmless; waiting for the disk is
    -- not. (An assignment evaluates it without running a statement.)
    v_setting := set_config('synchronous_commit', 'off', true);

    -- Keys in the order of their collation, as 0003 sorted them.
    IF v_count > 1 THEN
        v_ord := ARRAY(SELECT x.i FROM unnest(p_keys) WITH ORDINALITY AS x(k, i) ORDER BY x.k, x.i);
    ELSE
        v_ord := '{1}';
    END IF;
    WHILE v_last < v_count LOOP
        v_first := v_last + 1;
        v_key := p_keys[v_ord[v_first]];
        v_last := v_first;
        WHILE v_last < v_count AND p_keys[v_ord[v_last + 1]] = v_key LOOP
            v_last := v_last + 1;
        END LOOP;

        SELECT r.head, r.tail, r.oldest, r.newest INTO v_head, v_tail, v_old, v_new
            FROM rate_limit_keys r WHERE r.key = v_key FOR UPDATE;
        IF NOT FOUND THEN
            INSERT INTO rate_limit_keys (key, head, tail) VALUES (v_key, 0, 0) ON CONFLICT (key) DO NOTHING;
            SELECT r.head, r.tail, r.oldest, r.newest INTO v_head, v_tail, v_old, v_new
                FROM rate_limit_keys r WHERE r.key = v_key FOR UPDATE;
        END IF;
        v_head0 := v_head;
        v_tail0 := v_tail;
        v_added := '{}';
        v_ahead := NULL;
        FOR k IN v_first .. v_last LOOP
            i := v_ord[k];
            v_t := greatest(p_nows[i], CASE WHEN v_tail > v_head THEN v_new END);
            IF v_tail > v_head AND v_new <= v_t - p_window THEN
                -- Everything left the window (a quiet key).
                v_head := v_tail;
                v_old := NULL;
            END IF;
            WHILE v_tail > v_head AND v_old <= v_t - p_window LOOP
                v_head := v_head + 1;
                IF v_head >= v_tail0 THEN
                    -- Past the stored hits: this batch's own, or none.
                    v_old := v_added[v_head - v_tail0 + 1];
                ELSIF v_first = v_last AND v_head - v_head0 < 3 THEN
                    -- One or two leaving for a key's one request (the steady
                    -- state): read the next.
                    SELECT h.t INTO v_old FROM rate_limit_hits h WHERE h.key = v_key AND h.seq = v_head;
                ELSE
                    -- More (a key back after a pause, or a key with several
                    -- requests in the batch): read ahead, more each time.
                    IF v_ahead IS NULL OR v_head >= v_from + cardinality(v_ahead) THEN
                        v_from := v_head;
                        v_ahead := ARRAY(SELECT h.t FROM rate_limit_hits h
                                         WHERE h.key = v_key AND h.seq >= v_head AND h.seq < v_tail0
                                         ORDER BY h.seq LIMIT 2 * (v_head - v_head0 + v_last - k) + 2);
                    END IF;
                    v_old := v_ahead[v_head - v_from + 1];
                END IF;
            END LOOP;
            allowed[i] := v_tail - v_head < p_limit;
            IF allowed[i] THEN
                v_added[v_tail - v_tail0 + 1] := v_t;
                IF v_tail = v_head THEN
                    v_old := v_t;
                END IF;
                v_tail := v_tail + 1;
                v_new := v_t;
            END IF;
            used[i] := v_tail - v_head;
            oldest[i] := CASE WHEN v_tail > v_head THEN v_old END;
        END LOOP;

        -- The key's stored hits that left the window are one range of seq.
        IF least(v_head, v_tail0) > v_head0 THEN
            DELETE FROM rate_limit_hits h WHERE h.key = v_key AND h.seq >= v_head0 AND h.seq < least(v_head, v_tail0);
        END IF;
        -- Its admitted requests, but for any that also left the window within
        -- the batch (a batch spanning more than a window).
        IF v_tail = v_tail0 + 1 AND v_head <= v_tail0 THEN
            INSERT INTO rate_limit_hits (key, seq, t) VALUES (v_key, v_tail0, v_new);
        ELSIF v_tail > greatest(v_head, v_tail0) THEN
            INSERT INTO rate_limit_hits (key, seq, t)
                SELECT v_key, v_tail0 + a.n - 1, a.t FROM unnest(v_added) WITH ORDINALITY AS a(t, n)
                WHERE v_tail0 + a.n - 1 >= v_head;
        END IF;
        -- A key whose requests were all refused, and whose log lost nothing,
        -- has nothing to write.
        IF v_head <> v_head0 OR v_tail <> v_tail0 THEN
            UPDATE rate_limit_keys SET head = v_head, tail = v_tail, oldest = v_old, newest = v_new
                WHERE key = v_key;
        END IF;
    END LOOP;
END
$$;

REVOKE ALL ON FUNCTION tixallo_rate_limit_many(text[], bigint[], bigint, integer) FROM PUBLIC;
