-- The per-key rate limit's sliding log, kept so that a decision costs the
-- same whatever the log holds, and decided in batches.
--
-- 0001 kept each key's admitted times in one bigint[] row, rewritten whole on
-- every request: at a limit far above the traffic the array held every
-- request of the window (1,500 at 25 requests/s and 60 s), and each decision
-- cost milliseconds of detoasting, copying and writing it back. Now each
-- admitted request is a row of rate_limit_hits, numbered per key (seq), and
-- a key's row says which numbers are still in the window: head ≤ seq < tail.
-- A decision inserts one row, and when the oldest has left the window,
-- deletes it and reads the next by its number; every step is a primary-key
-- look-up, so a decision costs the same whatever the window holds (a range
-- scan would also walk the index entries of rows deleted before it, until
-- VACUUM).
--
-- Both tables hold timestamps only, no tenant data, and are UNLOGGED: after a
-- crash they start empty, which at worst lets a key make up to one extra
-- window's worth of requests once.

SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true);

CREATE UNLOGGED TABLE rate_limit_keys (
    key     text COLLATE "C" PRIMARY KEY,
    head    bigint NOT NULL,  -- seq of the oldest admitted request in the window
    tail    bigint NOT NULL,  -- seq the next admitted request gets
    oldest  bigint,           -- time of request head (Unix µs); NULL when head = tail
    newest  bigint            -- time of the last admitted request
);

CREATE UNLOGGED TABLE rate_limit_hits (
    key  text COLLATE "C" NOT NULL,
    seq  bigint NOT NULL,
    t    bigint NOT NULL,     -- the admitted request's time, Unix µs
    PRIMARY KEY (key, seq)
);

-- tixallo_rate_limit_many decides a batch of requests in one statement: a
-- process sends every Allow call that arrived while its previous batch was in
-- flight (see ratelimit.go), so concurrent API requests share a round trip
-- and a transaction instead of paying for one each.
--
-- Request i is key p_keys[i] at p_nows[i] (Unix µs). It is admitted when
-- fewer than p_limit admitted requests lie in (p_nows[i] − p_window,
-- p_nows[i]], and then recorded; otherwise nothing is recorded. A request
-- whose clock reading is older than the key's newest admitted one counts as
-- if it came then, which keeps the log sorted and errs towards refusing.
-- Requests for one key are decided in the arrays' order. Key rows are locked
-- in key order, so batches of several instances that share keys queue behind
-- each other and never deadlock; the lock makes the limit exact across
-- instances. The answers are three arrays in the requests' order: whether
-- each was admitted, how many admitted requests the window then held, and
-- the oldest of them (NULL when none).
CREATE FUNCTION tixallo_rate_limit_many(p_keys text[], p_nows bigint[], p_window bigint, p_limit integer,
        OUT allowed boolean[], OUT used integer[], OUT oldest bigint[])
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
DECLARE
    v_count integer := cardinality(p_keys);
    v_key text;
    v_idx integer[];
    v_head bigint;
    v_tail bigint;
    v_old bigint;
    v_new bigint;
    v_t bigint;
    i integer;
BEGIN
    IF cardinality(p_nows) IS DISTINCT FROM v_count THEN
        RAISE EXCEPTION 'tixallo_rate_limit_many: % keys but % times', v_count, cardinality(p_nows);
    END IF;
    allowed := '{}';
    used := '{}';
    oldest := '{}';
    IF v_count = 0 THEN
        RETURN;
    END IF;
    -- A lost admission after a crash is harmless; waiting for the disk is not.
    PERFORM set_config('synchronous_commit', 'off', true);
    FOR v_key, v_idx IN
        SELECT x.k, array_agg(x.i ORDER BY x.i) FROM unnest(p_keys) WITH ORDINALITY AS x(k, i)
        GROUP BY x.k ORDER BY x.k
    LOOP
        SELECT r.head, r.tail, r.oldest, r.newest INTO v_head, v_tail, v_old, v_new
            FROM rate_limit_keys r WHERE r.key = v_key FOR UPDATE;
        IF NOT FOUND THEN
            INSERT INTO rate_limit_keys (key, head, tail) VALUES (v_key, 0, 0) ON CONFLICT (key) DO NOTHING;
            SELECT r.head, r.tail, r.oldest, r.newest INTO v_head, v_tail, v_old, v_new
                FROM rate_limit_keys r WHERE r.key = v_key FOR UPDATE;
        END IF;
        FOREACH i IN ARRAY v_idx LOOP
            v_t := p_nows[i];
            IF v_tail > v_head AND v_new > v_t THEN
                v_t := v_new;
            END IF;
            IF v_tail > v_head AND v_new <= v_t - p_window THEN
                -- Everything left the window (a quiet key): one range delete.
                DELETE FROM rate_limit_hits h WHERE h.key = v_key AND h.seq >= v_head AND h.seq < v_tail;
                v_head := v_tail;
                v_old := NULL;
            END IF;
            WHILE v_tail > v_head AND v_old <= v_t - p_window LOOP
                DELETE FROM rate_limit_hits h WHERE h.key = v_key AND h.seq = v_head;
                v_head := v_head + 1;
                SELECT h.t INTO v_old FROM rate_limit_hits h WHERE h.key = v_key AND h.seq = v_head;
            END LOOP;
            allowed[i] := v_tail - v_head < p_limit;
            IF allowed[i] THEN
                INSERT INTO rate_limit_hits (key, seq, t) VALUES (v_key, v_tail, v_t);
                IF v_tail = v_head THEN
                    v_old := v_t;
                END IF;
                v_tail := v_tail + 1;
                v_new := v_t;
            END IF;
            used[i] := v_tail - v_head;
            oldest[i] := CASE WHEN v_tail > v_head THEN v_old END;
        END LOOP;
        UPDATE rate_limit_keys SET head = v_head, tail = v_tail, oldest = v_old, newest = v_new
            WHERE key = v_key;
    END LOOP;
END
$$;

-- The one-request function of 0001 now decides on the same log, so that
-- instances of the previous version, during a rolling upgrade, still share
-- one exact limit with the new ones.
CREATE OR REPLACE FUNCTION tixallo_rate_limit(p_key text, p_now bigint, p_window bigint, p_limit integer,
        OUT allowed boolean, OUT used integer, OUT oldest bigint)
    LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT m.allowed[1], m.used[1], m.oldest[1]
          FROM tixallo_rate_limit_many(ARRAY[p_key], ARRAY[p_now], p_window, p_limit) m $$;

DROP TABLE rate_limit_logs;

REVOKE ALL ON FUNCTION tixallo_rate_limit_many(text[], bigint[], bigint, integer) FROM PUBLIC;
