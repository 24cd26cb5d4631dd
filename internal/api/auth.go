package api

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/tixallo/tixallo/internal/apikey"
	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/httpserver"
	"github.com/tixallo/tixallo/internal/ratelimit"
)

// principal is who an authenticated request acts for. The workspace comes
// from the key record and from nowhere else.
type principal struct {
	key *helpdesk.APIKey
	ip  string
	// ticketsVersion is the workspace's tickets version read after the
	// request arrived, when the route asked for it and the rate limiter
	// could read it in its own round trip; otherwise -1.
	ticketsVersion int64
}

func (p *principal) workspaceID() string { return p.key.WorkspaceID }

// handler is an endpoint behind the gate. It writes its own success response
// and returns any failure for writeError.
type handler func(w http.ResponseWriter, r *http.Request, p *principal) error

// gateNeeds are what an endpoint asks of the gate besides authentication
// and the rate limit.
type gateNeeds uint8

const (
	// needWrite: the key must have the read_write scope.
	needWrite gateNeeds = 1 << iota
	// needTicketsVersion: read the workspace's tickets version with the
	// rate-limit decision when the limiter can (ticket_list_cache.go).
	needTicketsVersion
)

// ticketsVersionLimiter is a rate limiter that can read a workspace's
// tickets version in the round trip of its decision (the PostgreSQL one).
type ticketsVersionLimiter interface {
	AllowWithTicketsVersion(ctx context.Context, key, workspaceID string, now time.Time) (ratelimit.Decision, int64, error)
}

// gate runs everything an authenticated request must pass, in this order:
// the per-IP failed-authentication throttle (before any lookup, so a key
// cannot be found by volume), authentication, the per-key rate limit (whose
// headers every authenticated response carries), and for writes the key's
// scope. Then h runs.
func (a *API) gate(needs gateNeeds, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		defer a.recoverJSON(w, r)
		setCommonHeaders(w)
		now := a.now()
		ip := httpserver.ClientIP(r, a.trustProxy)

		if d := a.authFails.Peek(ip, now); !d.Allowed {
			a.metrics.rateLimited.Inc("auth_ip")
			a.writeError(w, r, &throttled{auth: true, retryAfter: ratelimit.Seconds(d.RetryAfter, authFailWindow)})
			return
		}
		key, err := a.authenticate(r, ip, now)
		if err != nil {
			if helpdesk.IsCode(err, helpdesk.EUnauthorized) {
				// Only failures count; Allow refuses to record beyond the limit.
				_, _ = a.authFails.Allow(r.Context(), ip, now)
			}
			a.writeError(w, r, err)
			return
		}
		a.usage.touch(key, now)

		var d ratelimit.Decision
		version := int64(-1)
		if vl, ok := a.keyLimiter.(ticketsVersionLimiter); ok && needs&needTicketsVersion != 0 {
			d, version, err = vl.AllowWithTicketsVersion(r.Context(), key.ID, key.WorkspaceID, now)
		} else {
			d, err = a.keyLimiter.Allow(r.Context(), key.ID, now)
		}
		if err != nil {
			// Fail open: a broken limiter must not take the API down. The
			// response then carries only the parts of the policy we know.
			a.log.LogAttrs(r.Context(), slog.LevelError, "rate limiter failed; request admitted",
				slog.String("request_id", httpserver.RequestID(r.Context())),
				slog.String("key_id", key.KeyID), slog.String("err", err.Error()))
			a.setPolicyHeaders(w.Header())
		} else {
			a.setRateHeaders(w.Header(), d, now)
			if !d.Allowed {
				a.metrics.rateLimited.Inc("key")
				a.writeError(w, r, &throttled{retryAfter: ratelimit.Seconds(d.RetryAfter, a.window)})
				return
			}
		}
		if needs&needWrite != 0 && key.Scope != helpdesk.ScopeReadWrite {
			a.writeError(w, r, errForbidden)
			return
		}
		if err := h(w, r, &principal{key: key, ip: ip, ticketsVersion: version}); err != nil {
			a.writeError(w, r, err)
		}
	}
}

// authenticate returns the active key that the request's Authorization header
// carries. Every way to fail is the same EUnauthorized error (the reason goes
// to the metrics and a debug log line); a store failure is returned as is, so
// a database outage is a 500 and not a misleading 401 (fail closed).
//
// The API keeps no cache of accepted keys itself: each request asks the store
// for the key record by its key id. The SQLite store may answer from a cache
// (sqlite.Options.APIKeyCacheTTL, at most 1 s), which it clears when a
// transaction that wrote api_keys commits, so a revocation made through this
// process counts on the very next request and one made by the CLI in another
// process within the TTL, as SPEC §2 requires. The PostgreSQL store's cache
// (postgres.WithKeyCache) is also dropped entry by entry by the NOTIFY each
// revocation sends, so every instance sees it within milliseconds, and is
// bypassed while that notification channel is down.
func (a *API) authenticate(r *http.Request, ip string, now time.Time) (*helpdesk.APIKey, error) {
	key, keyID, ok := apikey.FromHeader(r.Header)
	if !ok {
		// Missing, repeated, not Bearer, empty, not of the key format, bad
		// checksum: all decided without touching the database.
		reason := "malformed"
		if len(r.Header.Values("Authorization")) == 0 {
			reason = "missing"
		}
		return nil, a.unauthorized(r, reason, "")
	}
	rec, err := a.svc.Store().APIKeyByKeyID(r.Context(), keyID)
	found := err == nil
	if err != nil && !errors.Is(err, helpdesk.ErrNotFound) {
		return nil, fmt.Errorf("look up API key %s: %w", keyID, err)
	}
	// Hash and compare even when the id is unknown, so that an unknown id
	// and a wrong secret take the same time.
	var noKey [sha256.Size]byte
	stored := noKey[:]
	if found {
		stored = rec.Hash
	}
	match := apikey.Matches(key, stored)
	switch {
	case !found:
		return nil, a.unauthorized(r, "unknown_key", keyID)
	case !match:
		return nil, a.unauthorized(r, "wrong_secret", keyID)
	case !rec.Active(now):
		reason := rec.KeyState(now) // revoked or expired
		a.auditRejection(r, rec, ip, now, reason)
		return nil, a.unauthorized(r, reason, keyID)
	}
	return rec, nil
}

// unauthorized counts and logs one failed authentication and returns the one
// error every such failure becomes. keyID is the public id, never the key.
func (a *API) unauthorized(r *http.Request, reason, keyID string) error {
	a.metrics.authFailures.Inc(reason)
	a.log.LogAttrs(r.Context(), slog.LevelDebug, "api authentication failed",
		slog.String("request_id", httpserver.RequestID(r.Context())),
		slog.String("reason", reason), slog.String("key_id", keyID))
	return errUnauthorized
}

// auditRejection records that a revoked or expired key was presented with its
// correct secret: at most once a minute per key, so a forgotten cron job
// cannot flood the audit log.
func (a *API) auditRejection(r *http.Request, rec *helpdesk.APIKey, ip string, now time.Time, reason string) {
	if !a.usage.shouldAuditRejection(rec.ID, now) {
		return
	}
	a.log.LogAttrs(r.Context(), slog.LevelWarn, "rejected API key used",
		slog.String("request_id", httpserver.RequestID(r.Context())),
		slog.String("key_id", rec.KeyID), slog.String("workspace_id", rec.WorkspaceID),
		slog.String("state", reason), slog.String("ip", ip))
	// The audit entry must not depend on the client waiting for its 401.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	if err := a.svc.RecordRejectedKey(ctx, rec, ip); err != nil {
		a.log.LogAttrs(ctx, slog.LevelError, "audit rejected API key",
			slog.String("request_id", httpserver.RequestID(r.Context())),
			slog.String("key_id", rec.KeyID), slog.String("err", err.Error()))
	}
}

// setCommonHeaders marks every API response as uncacheable and not to be
// sniffed as anything but its declared type.
func setCommonHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}

// recoverJSON turns a panic in a handler into the API's JSON 500 (the server
// middleware would answer in plain text).
func (a *API) recoverJSON(w http.ResponseWriter, r *http.Request) {
	p := recover()
	if p == nil {
		return
	}
	if p == http.ErrAbortHandler {
		panic(p)
	}
	a.writeError(w, r, fmt.Errorf("panic: %v", p))
}
