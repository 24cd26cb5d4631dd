package postgres_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// decideBatch calls function (tixallo_rate_limit_many, or 0003's version of
// it) with one batch and returns its answers.
func decideBatch(t *testing.T, c *pgx.Conn, function string, keys []string, nows []int64, window int64, limit int) []answer {
	t.Helper()
	var (
		allowed []bool
		used    []int
		oldest  []*int64
	)
	err := c.QueryRow(t.Context(), `SELECT allowed, used, oldest FROM `+function+`($1, $2, $3, $4)`,
		keys, nows, window, limit).Scan(&allowed, &used, &oldest)
	if err != nil {
		t.Fatal(err)
	}
	if len(allowed) != len(keys) || len(used) != len(keys) || len(oldest) != len(keys) {
		t.Fatalf("%d requests, %d, %d and %d answers", len(keys), len(allowed), len(used), len(oldest))
	}
	out := make([]answer, len(keys))
	for i := range out {
		out[i] = answer{allowed[i], used[i], oldest[i]}
	}
	return out
}

// checkAnswers compares a batch's answers with the model's, deciding the
// batch's requests on the model one at a time, in order.
func checkAnswers(t *testing.T, m *logModel, keys []string, nows []int64, got []answer) {
	t.Helper()
	for i := range keys {
		g, w := got[i], m.decide(keys[i], nows[i])
		if g.allowed != w.allowed || g.used != w.used || (g.oldest == nil) != (w.oldest == nil) ||
			(g.oldest != nil && *g.oldest != *w.oldest) {
			t.Fatalf("request %d (%s at %d): database %+v, model %+v", i, keys[i], nows[i], g, w)
		}
	}
}

// storedLog is a key's row and hits as the tables hold them.
type storedLog struct {
	head, tail     int64
	oldest, newest *int64
	seqs, times    []int64
}

func readStoredLog(t *testing.T, c *pgx.Conn, key string) storedLog {
	t.Helper()
	var s storedLog
	err := c.QueryRow(t.Context(), `SELECT head, tail, oldest, newest FROM rate_limit_keys WHERE key = $1`, key).
		Scan(&s.head, &s.tail, &s.oldest, &s.newest)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	rows, err := c.Query(t.Context(), `SELECT seq, t FROM rate_limit_hits WHERE key = $1 ORDER BY seq`, key)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq, tm int64
		if err := rows.Scan(&seq, &tm); err != nil {
			t.Fatal(err)
		}
		s.seqs = append(s.seqs, seq)
		s.times = append(s.times, tm)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return s
}

// checkStoredLog: the tables hold exactly the model's log for key, as
// 0003 documents it: one row per admitted request still in the window,
// numbered head … tail−1, oldest the time of the first (NULL when none),
// and no row left behind for a hit that left the window.
func checkStoredLog(t *testing.T, c *pgx.Conn, m *logModel, key string) {
	t.Helper()
	s := readStoredLog(t, c, key)
	want := m.log[key]
	if !slices.Equal(s.times, want) {
		t.Fatalf("%s: stored times %v, model %v", key, s.times, want)
	}
	for i, seq := range s.seqs {
		if seq != s.head+int64(i) {
			t.Fatalf("%s: seqs %v, want %d…%d", key, s.seqs, s.head, s.tail-1)
		}
	}
	if int64(len(s.seqs)) != s.tail-s.head {
		t.Fatalf("%s: %d hits stored, head %d, tail %d", key, len(s.seqs), s.head, s.tail)
	}
	switch {
	case len(want) == 0 && s.oldest != nil:
		t.Fatalf("%s: empty log with oldest %d", key, *s.oldest)
	case len(want) > 0 && (s.oldest == nil || *s.oldest != want[0]):
		t.Fatalf("%s: oldest %v, want %d", key, s.oldest, want[0])
	case len(want) > 0 && (s.newest == nil || *s.newest != want[len(want)-1]):
		t.Fatalf("%s: newest %v, want %d", key, s.newest, want[len(want)-1])
	}
}

// TestRateLimitStoredLog: batches made to reach each way a decision
// changes the log get the model's answers, and leave the tables holding
// exactly the model's log: several of a key's hits leaving at once, to a
// request of that key among others; a clock behind the log; a key whose
// whole log left; keys mixed in one batch; and refused requests, which
// record nothing and leave the key's row as it was.
func TestRateLimitStoredLog(t *testing.T) {
	_, dsn := open(t)
	c := ownerConn(t, dsn)
	const window, limit = 100, 5
	m := &logModel{window: window, limit: limit, log: map[string][]int64{}}
	step := func(name string, keys []string, nows []int64) {
		t.Helper()
		got := decideBatch(t, c, "tixallo_rate_limit_many", keys, nows, window, limit)
		checkAnswers(t, m, keys, nows, got)
		for _, k := range keys {
			checkStoredLog(t, c, m, k)
		}
		t.Logf("%s: %+v", name, m.log)
	}

	// Keys mixed in one batch, new keys among them, a's requests apart.
	step("mixed keys", []string{"a", "b", "a", "c", "b", "a"}, []int64{1000, 1000, 1010, 1020, 1030, 1040})
	// a fills its window; the sixth is refused.
	step("a fills", []string{"a", "a", "a"}, []int64{1050, 1060, 1070})

	// Refused: nothing recorded, the row untouched (not even rewritten).
	var xmin0 string
	if err := c.QueryRow(t.Context(), `SELECT xmin::text FROM rate_limit_keys WHERE key = 'a'`).Scan(&xmin0); err != nil {
		t.Fatal(err)
	}
	before := readStoredLog(t, c, "a")
	step("refused", []string{"a", "a"}, []int64{1080, 1090})
	var xmin1 string
	if err := c.QueryRow(t.Context(), `SELECT xmin::text FROM rate_limit_keys WHERE key = 'a'`).Scan(&xmin1); err != nil {
		t.Fatal(err)
	}
	if after := readStoredLog(t, c, "a"); xmin1 != xmin0 || after.tail != before.tail || after.head != before.head {
		t.Fatalf("refused requests changed a's row: %+v then %+v (xmin %s then %s)", before, after, xmin0, xmin1)
	}

	// Several of a's hits leave at once (1000, 1010, 1040 at 1141), for a
	// request between other keys' requests, and a second one of a in the
	// batch pushes out one more.
	step("several leave", []string{"b", "a", "c", "a"}, []int64{1141, 1141, 1141, 1151})
	// A clock behind the log: counted at a's newest time.
	step("clock behind", []string{"a", "b"}, []int64{1100, 1120})
	// Everything of c's left long ago: one range.
	step("whole log left", []string{"c", "c"}, []int64{5000, 5001})
	// A batch spanning more than a window: a's first admitted request of
	// the batch leaves before the batch ends, and is never stored.
	step("batch spans a window", []string{"a", "a", "a"}, []int64{9000, 9050, 9101})
}

// TestRateLimitSharedWith0003: during a rolling upgrade, instances running
// 0003's function and instances running this one decide on the same log.
// Random batches sent to either version, in turns, get exactly the model's
// answers, and the tables hold the model's log after each: long logs with
// many hits leaving at once (limit 400, read ahead more than once), short
// ones (limit 3), clocks behind, quiet keys.
func TestRateLimitSharedWith0003(t *testing.T) {
	_, dsn := open(t)
	c := ownerConn(t, dsn)
	old := installRateLimit0003(t, c)
	for _, limit := range []int{3, 400} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			const window = 10_000
			r := rand.New(rand.NewPCG(7, uint64(limit)))
			m := &logModel{window: window, limit: limit, log: map[string][]int64{}}
			now := int64(1_000_000)
			for round := range 200 {
				n := 1 + r.IntN(12)
				keys := make([]string, n)
				nows := make([]int64, n)
				for i := range n {
					keys[i] = fmt.Sprintf("s%d-k%d", limit, r.IntN(4))
					switch r.IntN(6) {
					case 0: // behind the others
						nows[i] = now - int64(r.IntN(500))
						continue
					case 1: // a pause: part of the window, or all of it
						now += int64(r.IntN(2 * window))
					default:
						now += int64(r.IntN(3 * window / limit))
					}
					nows[i] = now
				}
				function := "tixallo_rate_limit_many"
				if round%2 == 1 {
					function = old
				}
				checkAnswers(t, m, keys, nows, decideBatch(t, c, function, keys, nows, window, limit))
				for _, k := range keys {
					checkStoredLog(t, c, m, k)
				}
			}
		})
	}
}

// TestRateLimitFunctionSettings: replacing the function (0009) kept what
// 0003 and 0005 gave it: it runs as its owner with a fixed search_path,
// never plans a sequential scan, and the application role, but not PUBLIC,
// may call it.
func TestRateLimitFunctionSettings(t *testing.T) {
	_, dsn := open(t)
	c := appConn(t, dsn)
	var (
		definer, app, public bool
		config               []string
	)
	err := c.QueryRow(t.Context(), `SELECT p.prosecdef, p.proconfig,
			has_function_privilege(current_user, p.oid, 'EXECUTE'), has_function_privilege('public', p.oid, 'EXECUTE')
		FROM pg_proc p WHERE p.oid = 'tixallo_rate_limit_many(text[], bigint[], bigint, integer)'::regprocedure`).
		Scan(&definer, &config, &app, &public)
	if err != nil {
		t.Fatal(err)
	}
	if !definer || !app || public {
		t.Errorf("SECURITY DEFINER %t, executable by the application role %t, by PUBLIC %t", definer, app, public)
	}
	for _, want := range []string{"enable_seqscan=off", "search_path="} {
		if !slices.ContainsFunc(config, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("settings %v lack %s", config, want)
		}
	}
}
