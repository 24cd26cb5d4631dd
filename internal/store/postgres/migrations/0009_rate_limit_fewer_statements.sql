-- The rate limit's decisions, with less work where 0003's function did the
-- same work once per request or once per hit.
--
-- 0003 decided each request on its own: an INSERT per admitted request, a
-- DELETE and a SELECT per hit leaving the window, and a rewrite of the key's
-- row even when every request was refused. A key back after a pause with
-- 3,000 of its hits out of the window took 6,000 statements (28–45 ms), and
-- a key with 32 requests in one batch 32 INSERTs. Now, per key:
--
-- * the hits leaving the window are read one by one only for the first two
--   (the steady state: about one leaves per request), then ahead, a growing
--   number at a time; they are deleted as one range of seq;
-- * the key's admitted requests are inserted by one statement;
-- * the key's row is rewritten only when its log changed;
-- * and per batch: one sort puts the requests in key order (a grouping
--   query that aggregated each key's requests sorted each key apart, and a
--   batch of one request needs no sort at all), and synchronous_commit is
--   set by an assignment rather than a statement.
--
-- Measured with TestRateLimitCost (CPU of the PostgreSQL backend per
-- request, 0003's function and this one taking turns, on the 2-core
-- development machine, 2026-11-27): 3,000 hits leaving at once −88 %
-- (28–45 ms to 3.5–5.5 ms); a key's 32 requests in one batch −29 to −42 %;
-- limit 60 with full windows −15 to −21 % for one request or five keys a
-- batch (a refused request writes nothing), −3 to −11 % for one key asking
-- a hundred times a second in batches of 5, ±6 % in batches of 32; one
-- request a batch −2 to −9 %. Batches of several keys with one request
-- each, the bench's shape, cost about the same: −4 to +1 % while no hit
-- leaves the window, +3 to +6 % for five keys once every request pushes
-- one out. Doing the work set-wise, one statement for
-- all of a batch's keys per kind of work (lock, read, delete, insert,
-- update), or the whole decision in SQL, was measured as well and was no
-- cheaper: a request's cost is mostly PostgreSQL's work per row (the key's
-- row locked and rewritten, a hit inserted, one deleted, one read), and a
-- statement's executor set-up grows with its plan and expressions, as a
-- PL/pgSQL function's does with each expression it evaluates.
--
-- The semantics are 0003's: an exact sliding log across instances; requests
-- for one key decided in the arrays' order; a clock behind the log counting
-- at the log's newest time; nothing recorded for a refused request; a quiet
-- key's expired log cleared by one range delete. The function keeps its
-- name, argument types and answers, and works on the same tables with the
-- same locks taken in the same order (each key's row FOR UPDATE, in the
-- collation's order, a missing one inserted first), so during a rolling
-- upgrade instances still calling 0003's version, and the one-request
-- tixallo_rate_limit that calls this one, share one exact limit with these
-- and cannot deadlock with them. CREATE OR REPLACE keeps the function's
-- privileges (none for PUBLIC since 0003; EXECUTE for the application role,
-- granted by every migration run) but replaces its settings, so 0005's
-- enable_seqscan = off is in the definition. plan_cache_mode: a plan made
-- for one batch's array sizes must not be remade for every batch.

SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true);

CREATE OR REPLACE FUNCTION tixallo_rate_limit_many(p_keys text[], p_nows bigint[], p_window bigint, p_limit integer,
        OUT allowed boolean[], OUT used integer[], OUT oldest bigint[])
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT SET enable_seqscan = off
        SET plan_cache_mode = force_generic_plan
    AS $$
DECLARE
    v_count integer := cardinality(p_keys);
    v_ord integer[];      -- the requests in key order, one key's in the arrays' order
    v_key text;
    v_head0 bigint;       -- the key's row as locked: its stored hits are
    v_tail0 bigint;       -- v_head0 ≤ seq < v_tail0
    v_head bigint;
    v_tail bigint;
    v_old bigint;
    v_new bigint;
    v_added bigint[];     -- times of the key's admitted requests, seq v_tail0 on
    v_ahead bigint[];     -- times of v_ahead_key's stored hits v_from, v_from + 1, …
    v_ahead_key text;
    v_from bigint;
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
    -- One pass over the requests; a key's turn ends where the next key's
    -- begins, and one more turn past the end writes the last key's.
    FOR k IN 1 .. v_count + 1 LOOP
        i := v_ord[k];
        IF k > v_count OR p_keys[i] IS DISTINCT FROM v_key THEN
            IF k > 1 THEN
                -- The key's stored hits that left the window: one range.
                IF least(v_head, v_tail0) > v_head0 THEN
                    DELETE FROM rate_limit_hits h
                        WHERE h.key = v_key AND h.seq >= v_head0 AND h.seq < least(v_head, v_tail0);
                END IF;
                -- Its admitted requests, but for any that also left the
                -- window within the batch (a batch spanning more than a
                -- window; with one admitted that cannot happen).
                IF v_tail = v_tail0 + 1 THEN
                    INSERT INTO rate_limit_hits (key, seq, t) VALUES (v_key, v_tail0, v_new);
                ELSIF v_tail > greatest(v_head, v_tail0) THEN
                    INSERT INTO rate_limit_hits (key, seq, t)
                        SELECT v_key, v_tail0 + a.n - 1, a.t FROM unnest(v_added) WITH ORDINALITY AS a(t, n)
                        WHERE v_tail0 + a.n - 1 >= v_head;
                END IF;
                -- Nothing to write for a key whose requests were all
                -- refused and whose log lost nothing.
                IF v_head <> v_head0 OR v_tail <> v_tail0 THEN
                    UPDATE rate_limit_keys SET head = v_head, tail = v_tail, oldest = v_old, newest = v_new
                        WHERE key = v_key;
                END IF;
            END IF;
            EXIT WHEN k > v_count;

            v_key := p_keys[i];
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
        END IF;

        v_t := greatest(p_nows[i], CASE WHEN v_tail > v_head THEN v_new END);
        IF v_tail > v_head AND v_new <= v_t - p_window THEN
            -- Everything left the window (a quiet key).
            v_head := v_tail;
            v_old := NULL;
        END IF;
        WHILE v_tail > v_head AND v_old <= v_t - p_window LOOP
            v_head := v_head + 1;
            IF v_head < v_tail0 AND v_head - v_head0 < 3 THEN
                -- One or two leaving (the steady state): read the next.
                SELECT h.t INTO v_old FROM rate_limit_hits h WHERE h.key = v_key AND h.seq = v_head;
            ELSIF v_head >= v_tail0 THEN
                -- Past the stored hits: this batch's own, or none.
                v_old := v_added[v_head - v_tail0 + 1];
            ELSE
                -- More (a key back after a pause, or with many requests in
                -- the batch): read ahead, more each time.
                IF v_ahead_key IS DISTINCT FROM v_key OR v_head >= v_from + cardinality(v_ahead) THEN
                    v_ahead_key := v_key;
                    v_from := v_head;
                    v_ahead := ARRAY(SELECT h.t FROM rate_limit_hits h
                                     WHERE h.key = v_key AND h.seq >= v_head AND h.seq < v_tail0
                                     ORDER BY h.seq LIMIT 4 * (v_head - v_head0));
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
END
$$;

REVOKE ALL ON FUNCTION tixallo_rate_limit_many(text[], bigint[], bigint, integer) FROM PUBLIC;
