package postgres_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tixallo/tixallo/internal/store/postgres"
)

// TestRateLimitManyMatchesOneByOne: a batch decided by
// tixallo_rate_limit_many gets exactly the answers that tixallo_rate_limit
// gives the same requests one at a time, in order: keys repeated within a
// batch, clocks behind the log, requests on and next to a window's edge.
func TestRateLimitManyMatchesOneByOne(t *testing.T) {
	_, dsn := open(t)
	c, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(t.Context())
	type answer struct {
		allowed bool
		used    int
		oldest  *int64
	}
	r := rand.New(rand.NewPCG(1, 2))
	const window, limit = 1000, 3
	now := int64(1_000_000)
	for round := range 200 {
		n := 1 + r.IntN(12)
		keys := make([]string, n)
		nows := make([]int64, n)
		for i := range n {
			keys[i] = fmt.Sprintf("k%d", r.IntN(3))
			switch r.IntN(4) {
			case 0: // the same instant
			case 1: // a clock behind the others
				nows[i] = now - int64(r.IntN(300))
				continue
			case 2:
				now += int64(r.IntN(window / 2))
			case 3: // on or next to the edge
				now += window + int64(r.IntN(3)) - 1
			}
			nows[i] = now
		}
		var want []answer
		for i := range n {
			var a answer
			err := c.QueryRow(t.Context(), `SELECT allowed, used, oldest FROM tixallo_rate_limit($1, $2, $3, $4)`,
				"one-"+keys[i], nows[i], window, limit).Scan(&a.allowed, &a.used, &a.oldest)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, a)
		}
		many := make([]string, n)
		for i := range keys {
			many[i] = "many-" + keys[i]
		}
		rows, err := c.Query(t.Context(), `SELECT allowed, used, oldest FROM tixallo_rate_limit_many($1, $2, $3, $4)`,
			many, nows, window, limit)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (answer, error) {
			var a answer
			err := row.Scan(&a.allowed, &a.used, &a.oldest)
			return a, err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Fatalf("round %d: %d answers for %d requests", round, len(got), n)
		}
		for i := range n {
			g, w := got[i], want[i]
			if g.allowed != w.allowed || g.used != w.used || (g.oldest == nil) != (w.oldest == nil) ||
				(g.oldest != nil && *g.oldest != *w.oldest) {
				t.Fatalf("round %d, request %d (%s at %d): batched %+v, one by one %+v", round, i, keys[i], nows[i], g, w)
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
	var limiters []*postgres.Limiter
	for range stores {
		s, err := postgres.Open(t.Context(), dsn, postgres.Options{MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		limiters = append(limiters, s.NewLimiter(limit, time.Minute))
	}
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
