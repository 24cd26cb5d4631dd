// Package api is Tixallo's public JSON API v1 (SPEC §3): workspace API keys
// in the Authorization header, a per-key sliding-window rate limit, tickets,
// their public messages, the events feed and Idempotency-Key on every POST.
//
// Every request runs the same gate before any handler: the per-IP throttle on
// failed authentications, the key check (format and checksum offline, then
// one primary-key read, which the SQLite store may answer from a cache of
// under a second: a revocation made through this process counts on the very
// next request, one made by another process within that second, SPEC §2),
// the per-key rate limit, and the
// read-only scope check on writes. Handlers then call the helpdesk Service
// with the workspace the key belongs to, which is the only source of a
// request's tenant. Every failure is turned into a status and a body by
// exactly one function, writeError.
package api

import (
	"crypto/rand"
	"log/slog"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/metrics"
	"github.com/tixallo/tixallo/internal/ratelimit"
)

// Options configures the API. Service is required; zero values elsewhere
// pick the SPEC defaults (60 requests per 60 s per key, 30 failed
// authentications per IP per minute), a discarding logger, a private metrics
// registry, the real clock and a random cursor key.
type Options struct {
	Service *helpdesk.Service
	Logger  *slog.Logger
	Metrics *metrics.Registry
	// KeyLimiter limits requests per API key (keyed by the key record's id).
	KeyLimiter ratelimit.Limiter
	RateLimit  int
	RateWindow time.Duration
	// AuthFailLimit is how many failed authentications one client IP may
	// make in any 60 seconds before its requests get 429 without a lookup.
	AuthFailLimit int
	// CursorKey signs list and feed cursors. Without one, a random key is
	// used and cursors stop working when the process restarts.
	CursorKey  []byte
	TrustProxy bool
	Now        func() time.Time
}

// API serves /api/v1. Build it with New, mount it with Register, and run Run
// in the background for the batched key bookkeeping.
type API struct {
	svc        *helpdesk.Service
	log        *slog.Logger
	keyLimiter ratelimit.Limiter
	limit      int
	window     time.Duration
	authFails  *ratelimit.Memory
	cursorKey  []byte
	trustProxy bool
	now        func() time.Time
	usage      *usage
	metrics    apiMetrics
	pages      *pageCache

	// Intervals of Run's work; tests shorten them.
	flushEvery time.Duration
	pruneEvery time.Duration
}

// authFailWindow is the span over which AuthFailLimit counts.
const authFailWindow = time.Minute

// New returns the API described by opts.
func New(opts Options) *API {
	if opts.Service == nil {
		panic("api: Options.Service is required")
	}
	a := &API{
		svc:        opts.Service,
		log:        opts.Logger,
		keyLimiter: opts.KeyLimiter,
		limit:      opts.RateLimit,
		window:     opts.RateWindow,
		cursorKey:  opts.CursorKey,
		trustProxy: opts.TrustProxy,
		now:        opts.Now,
		flushEvery: 30 * time.Second,
		pruneEvery: time.Hour,
		pages:      newPageCache(maxCachedPageBytes, maxSeenPages),
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.limit < 1 {
		a.limit = 60
	}
	if a.window < time.Second {
		a.window = 60 * time.Second
	}
	if a.keyLimiter == nil {
		a.keyLimiter = ratelimit.NewMemory(a.limit, a.window)
	}
	failLimit := opts.AuthFailLimit
	if failLimit < 1 {
		failLimit = 30
	}
	a.authFails = ratelimit.NewMemory(failLimit, authFailWindow)
	if len(a.cursorKey) == 0 {
		a.cursorKey = make([]byte, 32)
		_, _ = rand.Read(a.cursorKey) // crypto/rand does not fail on supported platforms
	}
	reg := opts.Metrics
	if reg == nil {
		reg = metrics.NewRegistry()
	}
	a.metrics = newAPIMetrics(reg)
	a.usage = newUsage()
	return a
}

// apiMetrics are the API's own counters, beside the per-route request counts
// that httpserver keeps.
type apiMetrics struct {
	authFailures *metrics.CounterVec
	rateLimited  *metrics.CounterVec
	listPages    *metrics.CounterVec
}

func newAPIMetrics(reg *metrics.Registry) apiMetrics {
	return apiMetrics{
		authFailures: reg.NewCounterVec("tixallo_api_auth_failures_total",
			"API requests refused by authentication, by reason.", "reason"),
		rateLimited: reg.NewCounterVec("tixallo_api_rate_limited_total",
			"API requests refused with 429, by limiter (key or auth_ip).", "limiter"),
		listPages: reg.NewCounterVec("tixallo_api_list_pages_total",
			"Pages of GET /api/v1/tickets, by where they came from (cache or database).", "from"),
	}
}
