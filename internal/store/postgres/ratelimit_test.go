package postgres_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// logModel is the sliding log that tixallo_rate_limit_many documents, kept
// in memory: per key, the admitted times (µs) still in the window.
type logModel struct {
	window int64
	limit  int
	log    map[string][]int64
}

type answer struct {
	allowed bool
	used    int
	oldest  *int64
}

func (m *logModel) decide(key string, now int64) answer {
	l := m.log[key]
	if len(l) > 0 && l[len(l)-1] > now {
		now = l[len(l)-1] // a clock behind the log counts as its newest time
	}
	for len(l) > 0 && l[0] <= now-m.window {
		l = l[1:]
	}
	a := answer{allowed: len(l) < m.limit}
	if a.allowed {
		l = append(l, now)
	}
	m.log[key] = l
	a.used = len(l)
	if len(l) > 0 {
		a.oldest = &l[0]
	}
	return a
}

// TestRateLimitMatchesModel: batches decided by tixallo_rate_limit_many get
// exactly the answers of the sliding log decided one request at a time, in
// order: keys repeated within a batch, clocks behind the log, requests on
// and next to a window's edge, many rows leaving the window at once (limit
// 20), long gaps that empty the log, keys seen for the first time. The
// one-request tixallo_rate_limit (which instances of the previous version
// call) decides on the same log.
func TestRateLimitMatchesModel(t *testing.T) {
	_, dsn := open(t)
	c := ownerConn(t, dsn)
	for _, limit := range []int{3, 20} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) { checkRateLimitModel(t, c, limit) })
	}
}

func checkRateLimitModel(t *testing.T, c *pgx.Conn, limit int) {
	r := rand.New(rand.NewPCG(1, uint64(limit)))
	const window = 1000
	model := &logModel{window: window, limit: limit, log: map[string][]int64{}}
	now := int64(1_000_000)
	for round := range 300 {
		n := 1 + r.IntN(4*limit)
		keys := make([]string, n)
		nows := make([]int64, n)
		for i := range n {
			keys[i] = fmt.Sprintf("l%d-k%d", limit, r.IntN(3+round/100))
			switch r.IntN(5) {
			case 0: // the same instant
			case 1: // a clock behind the others
				nows[i] = now - int64(r.IntN(300))
				continue
			case 2:
				now += int64(r.IntN(window / (limit / 3 * 2)))
			case 3: // on or next to the edge
				now += window + int64(r.IntN(3)) - 1
			case 4:
				if r.IntN(10) == 0 { // a long gap
					now += 3 * window
				}
			}
			nows[i] = now
		}
		var got []answer
		switch {
		case n == 1 && r.IntN(2) == 0:
			var a answer
			err := c.QueryRow(t.Context(), `SELECT allowed, used, oldest FROM tixallo_rate_limit($1, $2, $3, $4)`,
				keys[0], nows[0], window, limit).Scan(&a.allowed, &a.used, &a.oldest)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, a)
		default:
			var (
				allowed []bool
				used    []int
				oldest  []*int64
			)
			err := c.QueryRow(t.Context(), `SELECT allowed, used, oldest FROM tixallo_rate_limit_many($1, $2, $3, $4)`,
				keys, nows, window, limit).Scan(&allowed, &used, &oldest)
			if err != nil {
				t.Fatal(err)
			}
			if len(used) != len(allowed) || len(oldest) != len(allowed) {
				t.Fatalf("round %d: %d, %d and %d answers", round, len(allowed), len(used), len(oldest))
			}
			for i := range allowed {
				got = append(got, answer{allowed[i], used[i], oldest[i]})
			}
		}
		if len(got) != n {
			t.Fatalf("round %d: %d answers for %d requests", round, len(got), n)
		}
		for i := range n {
			g, w := got[i], model.decide(keys[i], nows[i])
			if g.allowed != w.allowed || g.used != w.used || (g.oldest == nil) != (w.oldest == nil) ||
				(g.oldest != nil && *g.oldest != *w.oldest) {
				t.Fatalf("round %d, request %d (%s at %d): database %+v, model %+v", round, i, keys[i], nows[i], g, w)
			}
		}
	}
}

// TestLimiterBatchedExactUnderConcurrency: many goroutines on three stores
// (as three instances) ask for decisions on a handful of keys at once. The
// calls of each store share statements, and every key is admitted exactly
// the limit, with the headers' figures consistent with each decision.
func TestLimiterBatchedExactUnderConcurrency(t *testing.T) {
	_, dsn := open(t)
	const limit, stores, keys, perKey = 40, 3, 8, 150
	now := time.Now()
	limiters := instanceLimiters(t, dsn, stores, limit)
	var (
		mu       sync.Mutex
		admitted = map[string]int{}
		wg       sync.WaitGroup
		start    = make(chan struct{})
	)
	for i := range keys * perKey {
		wg.Go(func() {
			<-start
			key := fmt.Sprintf("key-%d", i%keys)
			d, err := limiters[i%stores].Allow(t.Context(), key, now.Add(time.Duration(i)*time.Microsecond))
			if err != nil {
				t.Error(err)
				return
			}
			switch {
			case d.Limit != limit || d.Remaining < 0 || d.Remaining > limit-1:
				t.Errorf("%s: %+v", key, d)
			case d.Allowed && d.RetryAfter != 0:
				t.Errorf("%s admitted with RetryAfter %v", key, d.RetryAfter)
			case !d.Allowed && (d.Remaining != 0 || d.RetryAfter <= 0 || d.RetryAfter > time.Minute):
				t.Errorf("%s refused with %+v", key, d)
			}
			if d.Allowed {
				mu.Lock()
				admitted[key]++
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	for k := range keys {
		key := fmt.Sprintf("key-%d", k)
		if admitted[key] != limit {
			t.Errorf("%s: admitted %d of %d, want exactly %d", key, admitted[key], perKey, limit)
		}
	}
	var statements int64
	for _, l := range limiters {
		statements += l.LimiterBatches()
	}
	if statements >= keys*perKey {
		t.Errorf("%d calls took %d statements: nothing was batched", keys*perKey, statements)
	}
	t.Logf("%d calls, %d statements", keys*perKey, statements)
}
