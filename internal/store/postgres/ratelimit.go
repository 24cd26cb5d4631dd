package postgres

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tixallo/tixallo/internal/ratelimit"
)

// Limiter is the per-key API rate limit kept in the database, so that
// instances sharing it admit at most the limit in any window between them:
// an exact sliding log, like ratelimit.Memory, with one row per admitted
// request still in the window and a small row per key that is locked while
// a decision is made, so decisions on one key are serialised across every
// instance while different keys never wait for each other. A decision costs
// the same however many requests the window holds (migrations/0003). The
// tables are UNLOGGED and the decisions commit asynchronously: a crash of
// the database forgets recent admissions, which errs towards admitting,
// once; nothing else depends on them.
//
// Every API request asks for a decision, so one round trip each would be a
// round trip more per request. Instead the calls coalesce: a call that finds
// no batch in flight sends at once, alone or with whatever is queued; calls arriving meanwhile queue and go together in the
// next statement (tixallo_rate_limit_many), one round trip and one
// transaction for all of them. Under load a batch holds about as many calls
// as arrived during one round trip; an idle server pays no added delay.
type Limiter struct {
	s      *Store
	limit  int
	window time.Duration

	mu       sync.Mutex
	queue    []*limitCall
	inFlight int // batches sent and not yet answered

	// batches counts the statements sent; the tests read it to see that
	// calls really were batched.
	batches atomic.Int64
}

var _ ratelimit.Limiter = (*Limiter)(nil)

const (
	// maxLimitBatches is how many batches one process keeps in flight. One:
	// the calls that arrive meanwhile then make the next batch twice as big
	// as with two in flight, and most of a batch's cost in PostgreSQL is
	// per statement, not per call. Measured with 32 clients on 2 cores
	// (bench, -tickets 30000, twice each, same hour): PostgreSQL CPU per
	// create 629–682 µs instead of 736–766, per list 269–276 instead of
	// 291–332, creates/s +10 %. The price is that a batch waiting for a key
	// row another instance holds (for the few hundred µs of that
	// instance's statement) holds up this process's other keys as long.
	maxLimitBatches = 1
	// maxLimitBatch caps the calls in one statement; the rest wait for the next.
	maxLimitBatch = 256
	// batchTimeout bounds a batch, which serves many callers and so cannot
	// run under any one caller's context.
	batchTimeout = 10 * time.Second
)

// limitCall is one Allow waiting for its decision.
type limitCall struct {
	key  string
	now  time.Time
	d    ratelimit.Decision
	err  error
	done chan struct{}

	// workspace, when set, asks for its tickets' version as well
	// (AllowWithTicketsVersion); version stays -1 when it has none.
	workspace string
	version   int64
}

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
//
// When ctx ends while the call waits for its batch, Allow returns ctx's
// error; the batch may still record the request, which errs towards
// refusing later ones.
func (l *Limiter) Allow(ctx context.Context, key string, now time.Time) (ratelimit.Decision, error) {
	return l.wait(ctx, &limitCall{key: key, now: now, done: make(chan struct{})})
}

// AllowWithTicketsVersion is Allow that also reads the version of
// workspaceID's tickets (Store.TicketsVersion) in the same statement, which
// starts after the call was made: a page of tickets read after it returns
// is at least as new as the version, at the cost of a primary-key probe in
// a round trip the request makes anyway. The version is -1 when the
// workspace does not exist or the decision failed.
func (l *Limiter) AllowWithTicketsVersion(ctx context.Context, key, workspaceID string, now time.Time) (ratelimit.Decision, int64, error) {
	c := &limitCall{key: key, now: now, done: make(chan struct{}), workspace: workspaceID, version: -1}
	d, err := l.wait(ctx, c)
	if err != nil {
		// Not c.version: after ctx ended, the batch may still be writing it.
		return d, -1, err
	}
	return d, c.version, nil
}

// wait queues c, sends a batch when none is in flight, and waits for c's
// answer.
func (l *Limiter) wait(ctx context.Context, c *limitCall) (ratelimit.Decision, error) {
	l.mu.Lock()
	l.queue = append(l.queue, c)
	batch := l.takeBatch()
	l.mu.Unlock()
	if batch != nil {
		// This call sends the batch, its own call included, and hands the
		// next one (if any queued meanwhile) to another goroutine so that
		// its own request does not wait for others' batches.
		l.run(ctx, batch)
	}
	select {
	case <-c.done:
		return c.d, c.err
	case <-ctx.Done():
		return ratelimit.Decision{}, fmt.Errorf("postgres: rate limit: %w", ctx.Err())
	}
}

// takeBatch removes the queued calls (up to maxLimitBatch) when another batch may
// be sent now, and counts it as in flight; otherwise it returns nil and the
// calls wait for a batch in flight to finish. l.mu must be held.
func (l *Limiter) takeBatch() []*limitCall {
	if l.inFlight >= maxLimitBatches || len(l.queue) == 0 {
		return nil
	}
	l.inFlight++
	n := min(len(l.queue), maxLimitBatch)
	batch := make([]*limitCall, n)
	copy(batch, l.queue)
	// Shift rather than reslice, so the queue's array is reused and does
	// not keep answered calls reachable.
	rest := copy(l.queue, l.queue[n:])
	clear(l.queue[rest:])
	l.queue = l.queue[:rest]
	return batch
}

// run sends one batch, answers its calls, and starts the next batch when
// calls queued while this one was in flight.
func (l *Limiter) run(ctx context.Context, batch []*limitCall) {
	ctx = context.WithoutCancel(ctx)
	bctx, cancel := context.WithTimeout(ctx, batchTimeout)
	err := l.decide(bctx, batch)
	cancel()
	for _, c := range batch {
		if err != nil {
			c.err = err
		}
		close(c.done)
	}
	l.mu.Lock()
	l.inFlight--
	next := l.takeBatch()
	l.mu.Unlock()
	if next != nil {
		go l.run(ctx, next)
	}
}

// decide asks the database for the decisions of batch, in one statement,
// and stores each in its call.
func (l *Limiter) decide(ctx context.Context, batch []*limitCall) error {
	l.batches.Add(1)
	keys := make([]string, len(batch))
	nows := make([]int64, len(batch))
	for i, c := range batch {
		keys[i], nows[i] = c.key, c.now.UnixMicro()
	}
	workspaces := batchWorkspaces(batch)
	var (
		allowed  []bool
		used     []int32
		oldest   []*int64
		versions []*int64
	)
	var err error
	if len(workspaces) == 0 {
		err = l.s.pool.QueryRow(ctx, `SELECT allowed, used, oldest FROM tixallo_rate_limit_many($1, $2, $3, $4)`,
			keys, nows, l.window.Microseconds(), l.limit).Scan(&allowed, &used, &oldest)
	} else {
		// One statement, so one round trip; its snapshot is taken when it
		// starts, after every call of the batch was made.
		err = l.s.pool.QueryRow(ctx, `SELECT m.allowed, m.used, m.oldest, tixallo_ticket_versions($5)
			FROM tixallo_rate_limit_many($1, $2, $3, $4) m`,
			keys, nows, l.window.Microseconds(), l.limit, workspaces).Scan(&allowed, &used, &oldest, &versions)
	}
	if err != nil {
		return fmt.Errorf("postgres: rate limit: %w", err)
	}
	if len(allowed) != len(batch) || len(used) != len(batch) || len(oldest) != len(batch) {
		return fmt.Errorf("postgres: rate limit: %d decisions for %d requests", len(allowed), len(batch))
	}
	if len(versions) != len(workspaces) {
		return fmt.Errorf("postgres: rate limit: %d tickets versions for %d workspaces", len(versions), len(workspaces))
	}
	for i, c := range batch {
		c.d = l.decision(c.now, allowed[i], int(used[i]), oldest[i])
		if c.workspace != "" {
			if v := versions[slices.Index(workspaces, c.workspace)]; v != nil {
				c.version = *v
			}
		}
	}
	return nil
}

// batchWorkspaces lists, once each, the workspaces whose tickets' version
// the calls of batch asked for. A batch holds a few workspaces at most, so
// a slice searched linearly beats a map.
func batchWorkspaces(batch []*limitCall) []string {
	var ws []string
	for _, c := range batch {
		if c.workspace != "" && !slices.Contains(ws, c.workspace) {
			ws = append(ws, c.workspace)
		}
	}
	return ws
}

// decision turns the database's answer for a request at now into the
// headers' figures.
func (l *Limiter) decision(now time.Time, allowed bool, used int, oldest *int64) ratelimit.Decision {
	d := ratelimit.Decision{Allowed: allowed, Limit: l.limit, Remaining: max(l.limit-used, 0)}
	if oldest != nil {
		// A request read from a clock behind the log counts at the log's newest
		// time, so measure from no earlier than that.
		d.Reset = min(max(time.UnixMicro(*oldest).Add(l.window).Sub(now), 0), l.window)
	}
	if !allowed {
		d.RetryAfter = d.Reset
	}
	return d
}
