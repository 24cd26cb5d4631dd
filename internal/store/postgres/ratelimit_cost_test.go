package postgres_test

import (
	"fmt"
	"hash"
	"hash/fnv"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tixallo/tixallo/internal/store/postgres"
)

// envRateLimitCost turns on TestRateLimitCost, which keeps a core busy for
// a few minutes and so belongs under the bench lock, not in every test run.
const envRateLimitCost = "TIXALLO_RATELIMIT_COST"

// costShape is one way decisions reach tixallo_rate_limit_many: how many
// keys share the traffic, how a batch is made up, and how full each key's
// window is when the measurement starts.
type costShape struct {
	name     string
	limit    int
	window   int64 // µs
	keys     int
	batch    int   // requests per statement
	oneKey   bool  // a batch's requests are all for one key (keys take turns), not for batch different keys
	interval int64 // µs between one key's requests, on average
	history  int64 // µs of each key's traffic in the log at the start; 0: a whole window's
	requests int   // requests measured per round
}

// costVersion is a version of the function, by the name it was installed
// under in the test's schema, and the backend that runs it.
type costVersion struct {
	name, function string
	conn           *pgx.Conn
	pid            int
}

// TestRateLimitCost measures what a decision costs PostgreSQL, per request,
// for each shape of batch, for 0003's function and for the current one. Each
// version runs on a backend of its own (the database being on this machine,
// its CPU time is read from /proc/<pid>/schedstat) and the versions take
// turns batch by batch, so that whatever else the shared machine is doing
// falls on both alike; two copies of one function measured this way differ
// by 1–3 %. Each shape starts from tables filled to its steady state, every
// key's window as full as its traffic keeps it, so that requests push old
// hits out as they would in a long run. Both versions get the same
// requests, on keys of their own, and must give the same answers.
//
// Set TIXALLO_RATELIMIT_COST=1 (and TIXALLO_TEST_POSTGRES);
// TIXALLO_RATELIMIT_COST_ONLY=<text> keeps the shapes whose name holds it;
// TIXALLO_RATELIMIT_COST_CANDIDATES=<file.sql>,… adds versions to compare,
// each file creating the function under the name rl_<file name>.
func TestRateLimitCost(t *testing.T) {
	if os.Getenv(envRateLimitCost) == "" {
		t.Skip(envRateLimitCost + " is not set")
	}
	_, dsn := open(t)
	owner := ownerConn(t, dsn)
	versions := []*costVersion{{name: "0003", function: installRateLimit0003(t, owner)},
		{name: "current", function: "tixallo_rate_limit_many"}}
	versions = append(versions, installCandidates(t, owner, os.Getenv(envRateLimitCost+"_CANDIDATES"))...)
	for _, v := range versions {
		v.conn = appConn(t, dsn)
		if err := v.conn.QueryRow(t.Context(), `SELECT pg_backend_pid()`).Scan(&v.pid); err != nil {
			t.Fatal(err)
		}
	}
	const minute = int64(60_000_000)
	shapes := []costShape{
		// The bench: a limit nobody reaches, 200 keys, and a run shorter
		// than the window, so nothing leaves it.
		{name: "bench, no hit leaves, 1 request", limit: 1_000_000, window: minute, keys: 200, batch: 1, interval: 200_000, history: 20_000_000, requests: 3000},
		{name: "bench, no hit leaves, 5 keys", limit: 1_000_000, window: minute, keys: 200, batch: 5, interval: 200_000, history: 20_000_000, requests: 6000},
		{name: "bench, no hit leaves, 32 keys", limit: 1_000_000, window: minute, keys: 200, batch: 32, interval: 200_000, history: 20_000_000, requests: 9600},
		// The same traffic after a minute: each request pushes a hit out.
		{name: "limit 1e6, 1 request", limit: 1_000_000, window: minute, keys: 200, batch: 1, interval: 200_000, requests: 3000},
		{name: "limit 1e6, 5 keys", limit: 1_000_000, window: minute, keys: 200, batch: 5, interval: 200_000, requests: 6000},
		{name: "limit 1e6, 32 keys", limit: 1_000_000, window: minute, keys: 200, batch: 32, interval: 200_000, requests: 9600},
		{name: "limit 1e6, 5 requests of 1 key", limit: 1_000_000, window: minute, keys: 200, batch: 5, oneKey: true, interval: 200_000, requests: 6000},
		{name: "limit 1e6, 32 requests of 1 key", limit: 1_000_000, window: minute, keys: 200, batch: 32, oneKey: true, interval: 200_000, requests: 9600},
		// Limit 60 a minute, windows full: keys asking ten times a second,
		// so one request in ten is admitted and pushes one hit out.
		{name: "limit 60 full, 1 request", limit: 60, window: minute, keys: 200, batch: 1, interval: 100_000, requests: 3000},
		{name: "limit 60 full, 5 keys", limit: 60, window: minute, keys: 200, batch: 5, interval: 100_000, requests: 6000},
		// One key asking continuously, a hundred times a second.
		{name: "limit 60 full, 5 requests of 1 key", limit: 60, window: minute, keys: 1, batch: 5, oneKey: true, interval: 10_000, requests: 6000},
		{name: "limit 60 full, 32 requests of 1 key", limit: 60, window: minute, keys: 1, batch: 32, oneKey: true, interval: 10_000, requests: 9600},
	}
	only := os.Getenv(envRateLimitCost + "_ONLY")
	for _, sh := range shapes {
		if !strings.Contains(sh.name, only) {
			continue
		}
		rs := runCostShape(t, owner, versions, sh)
		t.Logf("%-37s %s", sh.name, formatCost(versions, rs))
	}
	for _, all := range []bool{false, true} {
		name := "limit 1e6, 3,000 of 6,000 hits leave"
		if all {
			name = "limit 1e6, all 6,000 hits leave"
		}
		if strings.Contains(name, only) {
			t.Logf("%-37s %s", name, formatCost(versions, runDrain(t, owner, versions, all)))
		}
	}
}

// installRateLimit0003 installs migration 0003's function, as it was before
// any later migration replaced it, under another name, so that both can be
// measured on the same tables.
func installRateLimit0003(t *testing.T, owner *pgx.Conn) string {
	t.Helper()
	src, err := fs.ReadFile(postgres.Migrations(), "0003_rate_limit_batch.sql")
	if err != nil {
		t.Fatal(err)
	}
	const head = "CREATE FUNCTION tixallo_rate_limit_many("
	start := strings.Index(string(src), head)
	end := strings.Index(string(src[start:]), "\n$$;\n")
	if start < 0 || end < 0 {
		t.Fatal("0003_rate_limit_batch.sql: the function's definition is not where it was")
	}
	def := "CREATE FUNCTION rate_limit_0003(" + string(src[start+len(head):start+end+len("\n$$;\n")])
	for _, q := range []string{def,
		`ALTER FUNCTION rate_limit_0003(text[], bigint[], bigint, integer) SET enable_seqscan = off`,
		`GRANT EXECUTE ON FUNCTION rate_limit_0003(text[], bigint[], bigint, integer) TO ` + postgres.DefaultAppRole,
	} {
		if _, err := owner.Exec(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return "rate_limit_0003"
}

// installCandidates runs each of the comma-separated SQL files, which
// create candidate versions of the function, named rl_<file name>.
func installCandidates(t *testing.T, owner *pgx.Conn, files string) []*costVersion {
	t.Helper()
	var out []*costVersion
	for _, f := range strings.Split(files, ",") {
		if f == "" {
			continue
		}
		sql, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := owner.Exec(t.Context(), string(sql)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".sql")
		out = append(out, &costVersion{name: name, function: "rl_" + name})
	}
	return out
}

// costResult is what one version's requests cost.
type costResult struct {
	requests, admitted int
	cpu, wall          time.Duration
	answers            hash.Hash64
}

func formatCost(versions []*costVersion, rs []*costResult) string {
	var b strings.Builder
	for i, r := range rs {
		n := float64(max(r.requests, 1))
		fmt.Fprintf(&b, "| %s: CPU %6.1f µs/req, wall %6.1f µs/req ", versions[i].name,
			float64(r.cpu)/1e3/n, float64(r.wall)/1e3/n)
	}
	fmt.Fprintf(&b, "| %d requests each, %d admitted; CPU %+.0f %%", rs[0].requests, rs[0].admitted,
		100*(float64(rs[len(rs)-1].cpu)/float64(rs[0].cpu)-1))
	return b.String()
}

// costStream is one version's sequence of batches: every version gets the
// same requests, on keys of its own.
type costStream struct {
	sh   costShape
	r    *rand.Rand
	keys []string
	now  int64
	turn int
}

func newCostStream(sh costShape, prefix string) *costStream {
	s := &costStream{sh: sh, r: rand.New(rand.NewPCG(1, uint64(sh.batch))), now: 1_900_000_000_000_000}
	for i := range sh.keys {
		s.keys = append(s.keys, fmt.Sprintf("%s/key-%03d", prefix, i))
	}
	return s
}

func (s *costStream) next() ([]string, []int64) {
	sh := s.sh
	keys := make([]string, sh.batch)
	nows := make([]int64, sh.batch)
	if sh.oneKey {
		s.now += max(sh.interval*int64(sh.batch)/int64(sh.keys), 1)
		k := s.keys[s.turn%len(s.keys)]
		s.turn++
		for i := range keys {
			keys[i], nows[i] = k, s.now+int64(i)
		}
		return keys, nows
	}
	for i, j := range s.r.Perm(sh.keys)[:sh.batch] {
		s.now += max(sh.interval/int64(sh.keys), 1)
		keys[i], nows[i] = s.keys[j], s.now
	}
	return keys, nows
}

// decide sends one batch to v and adds its answers to r.
func decide(t *testing.T, v *costVersion, r *costResult, keys []string, nows []int64, window int64, limit int) {
	t.Helper()
	var (
		allowed []bool
		used    []int32
		oldest  []*int64
	)
	t0 := time.Now()
	err := v.conn.QueryRow(t.Context(), `SELECT allowed, used, oldest FROM `+v.function+`($1, $2, $3, $4)`,
		keys, nows, window, limit).Scan(&allowed, &used, &oldest)
	r.wall += time.Since(t0)
	if err != nil {
		t.Fatalf("%s: %v", v.name, err)
	}
	for j := range allowed {
		o := int64(-1)
		if oldest[j] != nil {
			o = *oldest[j]
		}
		fmt.Fprintf(r.answers, "%t %d %d;", allowed[j], used[j], o)
		if allowed[j] {
			r.admitted++
		}
	}
	r.requests += len(keys)
}

// runCostShape fills every version's keys to sh's steady state, warms the
// backends' plans with a tenth of the requests, then measures three rounds.
func runCostShape(t *testing.T, owner *pgx.Conn, versions []*costVersion, sh costShape) []*costResult {
	t.Helper()
	// A key's log holds its traffic of the last window (or of its history),
	// but never more than the limit, the limit's hits a window apart.
	n, spacing := sh.window/sh.interval, sh.interval
	if sh.history > 0 {
		n = sh.history / sh.interval
	}
	if n > int64(sh.limit) {
		n, spacing = int64(sh.limit), sh.window/int64(sh.limit)
	}
	streams := make([]*costStream, len(versions))
	var keys []string
	var lasts []int64
	for i := range versions {
		streams[i] = newCostStream(sh, fmt.Sprintf("v%d", i))
		for k, key := range streams[i].keys {
			keys = append(keys, key)
			lasts = append(lasts, streams[i].now-int64(k*7919)%spacing)
		}
	}
	fill(t, owner, keys, lasts, n, spacing)

	results := make([]*costResult, len(versions))
	for i := range results {
		results[i] = &costResult{answers: fnv.New64a()}
	}
	batches := sh.requests / sh.batch
	for range batches / 10 {
		for i, v := range versions {
			ks, ns := streams[i].next()
			decide(t, v, &costResult{answers: results[i].answers}, ks, ns, sh.window, sh.limit)
		}
	}
	for range 3 {
		cpu0 := make([]time.Duration, len(versions))
		for i, v := range versions {
			cpu0[i] = backendCPU(t, v.pid)
		}
		for b := range batches {
			for j := range versions {
				i := (b + j) % len(versions)
				ks, ns := streams[i].next()
				decide(t, versions[i], results[i], ks, ns, sh.window, sh.limit)
			}
		}
		for i, v := range versions {
			results[i].cpu += backendCPU(t, v.pid) - cpu0[i]
		}
	}
	for i := 1; i < len(versions); i++ {
		if results[i].answers.Sum64() != results[0].answers.Sum64() {
			t.Errorf("%s: %s answered differently from %s", sh.name, versions[i].name, versions[0].name)
		}
	}
	return results
}

// fill empties the log and gives each key n hits, spacing apart, the last at
// lasts[i].
func fill(t *testing.T, owner *pgx.Conn, keys []string, lasts []int64, n, spacing int64) {
	t.Helper()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`TRUNCATE rate_limit_keys, rate_limit_hits`, nil},
		{`INSERT INTO rate_limit_keys (key, head, tail, oldest, newest)
			SELECT u.k, 0, $3::bigint, u.last - ($3::bigint - 1) * $4::bigint, u.last FROM unnest($1::text[], $2::bigint[]) AS u(k, last)`,
			[]any{keys, lasts, n, spacing}},
		{`INSERT INTO rate_limit_hits (key, seq, t)
			SELECT u.k, g, u.last - ($3::bigint - 1 - g) * $4::bigint FROM unnest($1::text[], $2::bigint[]) AS u(k, last),
				generate_series(0, $3::bigint - 1) AS g`,
			[]any{keys, lasts, n, spacing}},
		{`VACUUM ANALYZE rate_limit_keys, rate_limit_hits`, nil},
	} {
		if _, err := owner.Exec(t.Context(), q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
}

// runDrain measures a request that finds many hits out of the window: keys
// whose windows hold 6,000 hits 10 ms apart ask again half a window later
// (half of the hits leave), or a window and a second later (all do).
func runDrain(t *testing.T, owner *pgx.Conn, versions []*costVersion, all bool) []*costResult {
	t.Helper()
	const keys, n, spacing, window = 10, 6000, 10_000, int64(60_000_000)
	later := window / 2
	if all {
		later = window + 1_000_000
	}
	results := make([]*costResult, len(versions))
	for i := range results {
		results[i] = &costResult{answers: fnv.New64a()}
	}
	for range 2 {
		var ks []string
		var lasts []int64
		for i := range versions {
			for k := range keys {
				ks = append(ks, fmt.Sprintf("v%d/drain-%d", i, k))
				lasts = append(lasts, 1_900_000_000_000_000+int64(k))
			}
		}
		fill(t, owner, ks, lasts, n, spacing)
		for k := range keys {
			for i, v := range versions {
				r := results[i]
				if k == 0 {
					r = &costResult{answers: r.answers} // plans are made on the first calls
				}
				cpu0 := backendCPU(t, v.pid)
				decide(t, v, r, []string{ks[i*keys+k]}, []int64{lasts[k] + later}, window, 1_000_000)
				r.cpu += backendCPU(t, v.pid) - cpu0
			}
		}
		var left int
		if err := owner.QueryRow(t.Context(), `SELECT count(*) FROM rate_limit_hits`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		want := len(ks) // every key's window holds its one new hit
		if !all {
			want = len(ks) * (n/2 + 1)
		}
		if left != want {
			t.Errorf("drain (all %t): %d hits left, want %d", all, left, want)
		}
	}
	for i := 1; i < len(versions); i++ {
		if results[i].answers.Sum64() != results[0].answers.Sum64() {
			t.Errorf("drain (all %t): %s answered differently from %s", all, versions[i].name, versions[0].name)
		}
	}
	return results
}

// backendCPU is the CPU time the backend of pid has used, from the
// scheduler's count (nanoseconds; /proc/<pid>/stat counts in 10 ms ticks).
func backendCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
	if err != nil {
		t.Fatalf("the database's backend must run on this machine: %v", err)
	}
	ns, err := strconv.ParseInt(strings.Fields(string(b))[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return time.Duration(ns)
}
