package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/tixallo/tixallo/internal/ratelimit"
)

// Limiter is the per-key API rate limit kept in the database, so that
// instances sharing it admit at most the limit in any window between them:
// an exact sliding log, like ratelimit.Memory, with one row per key holding
// the admitted timestamps still in the window. Each decision is one call of
// tixallo_rate_limit, which locks the key's row, so decisions on one key are
// serialised across every instance while different keys never wait for
// each other. The table is UNLOGGED and the call commits asynchronously: a
// crash of the database forgets recent admissions, which errs towards
// admitting, once; nothing else depends on them.
type Limiter struct {
	s      *Store
	limit  int
	window time.Duration
}

var _ ratelimit.Limiter = (*Limiter)(nil)

// NewLimiter returns a limiter that admits at most limit requests per key
// in any window-long span, across every instance using this database.
func (s *Store) NewLimiter(limit int, window time.Duration) *Limiter {
	if limit < 1 || window <= 0 {
		panic("postgres: NewLimiter needs limit ≥ 1 and window > 0")
	}
	return &Limiter{s: s, limit: limit, window: window}
}

// Allow records and admits a request for key at now if fewer than the limit
// were admitted in (now−window, now], and otherwise refuses it without
// recording it. Instances should keep their clocks in step (NTP): the log
// holds their readings.
func (l *Limiter) Allow(ctx context.Context, key string, now time.Time) (ratelimit.Decision, error) {
	var (
		allowed bool
		used    int
		oldest  *int64
	)
	err := l.s.pool.QueryRow(ctx, `SELECT allowed, used, oldest FROM tixallo_rate_limit($1, $2, $3, $4)`,
		key, now.UnixMicro(), l.window.Microseconds(), l.limit).Scan(&allowed, &used, &oldest)
	if err != nil {
		return ratelimit.Decision{}, fmt.Errorf("postgres: rate limit: %w", err)
	}
	d := ratelimit.Decision{Allowed: allowed, Limit: l.limit, Remaining: max(l.limit-used, 0)}
	if oldest != nil {
		// A request read from a clock behind the log counts at the log's newest
		// time, so measure from no earlier than that.
		d.Reset = min(max(time.UnixMicro(*oldest).Add(l.window).Sub(now), 0), l.window)
	}
	if !allowed {
		d.RetryAfter = d.Reset
	}
	return d, nil
}
