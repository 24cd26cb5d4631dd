package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/ratelimit"
)

// throttle slows password guessing, before any password is hashed:
//
//   - per client address (an IPv6 client's /64): at most LoginPerIP password
//     attempts a minute, against credential stuffing from one place; and
//     SignupPerIP sign-ups an hour, which also bounds how fast sign-up can be
//     used to find out which emails have accounts;
//   - per account (the normalised email, whether or not it has an account,
//     so the answer tells nothing about which exist): after AccountFailFree
//     consecutive failures, each further failure makes the account wait
//     1 s, 2 s, 4 s … up to AccountMaxDelay before the next attempt. A
//     success resets it. Nothing locks an account for good, so an attacker
//     cannot lock a real user out for longer than the cap.
//
// The counters live in this process. With several instances each keeps its
// own, so the bounds multiply by the number of instances (docs/app.md).
type throttle struct {
	now       func() time.Time
	loginIP   ratelimit.Limiter
	signupIP  ratelimit.Limiter
	freeFails int
	maxDelay  time.Duration

	mu       sync.Mutex
	accounts map[string]*accountFailures
}

type accountFailures struct {
	fails int
	until time.Time // no attempt before this
	last  time.Time
}

// maxTrackedAccounts bounds the failure table; an attacker spraying made-up
// emails fills it, and then entries idle for an hour are dropped.
const maxTrackedAccounts = 100_000

// errTooMany is answered when a throttle refuses an attempt.
type errTooMany struct {
	wait time.Duration
	what string
}

func (e *errTooMany) Error() string { return e.what }

// Message is what the log-in form shows.
func (e *errTooMany) Message() string {
	return fmt.Sprintf("%s Try again in %s.", e.what, humanWait(e.wait))
}

// setRetryAfter tells the client when to come back, in whole seconds.
func (e *errTooMany) setRetryAfter(w http.ResponseWriter) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int((e.wait+time.Second-1)/time.Second))))
}

func humanWait(d time.Duration) string {
	switch {
	case d <= time.Second:
		return "a second"
	case d < time.Minute:
		return fmt.Sprintf("%d seconds", int((d+time.Second-1)/time.Second))
	default:
		m := int((d + time.Minute - 1) / time.Minute)
		if m == 1 {
			return "a minute"
		}
		return fmt.Sprintf("%d minutes", m)
	}
}

// allowLogin checks both throttles for a password attempt on email from ip.
func (t *throttle) allowLogin(ctx context.Context, ip, email string) error {
	d, err := t.loginIP.Allow(ctx, "login:"+ip, t.now())
	if err != nil {
		return fmt.Errorf("login throttle: %w", err)
	}
	if !d.Allowed {
		return &errTooMany{wait: d.RetryAfter, what: "Too many log-in attempts from your network."}
	}
	return t.accountOpen(email)
}

// allowSignup checks the sign-up throttle for ip.
func (t *throttle) allowSignup(ctx context.Context, ip string) error {
	d, err := t.signupIP.Allow(ctx, "signup:"+ip, t.now())
	if err != nil {
		return fmt.Errorf("signup throttle: %w", err)
	}
	if !d.Allowed {
		return &errTooMany{wait: d.RetryAfter, what: "Too many sign-ups from your network."}
	}
	return nil
}

// accountOpen refuses an attempt on an account that must still wait.
func (t *throttle) accountOpen(email string) error {
	key := helpdesk.NormalizeEmail(email)
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.accounts[key]
	if f != nil && now.Before(f.until) {
		return &errTooMany{wait: f.until.Sub(now), what: "Too many failed log-ins for this account."}
	}
	return nil
}

// failed records a failed attempt on an account.
func (t *throttle) failed(email string) {
	key := helpdesk.NormalizeEmail(email)
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.accounts[key]
	if f == nil {
		if len(t.accounts) >= maxTrackedAccounts {
			t.sweep(now)
		}
		f = &accountFailures{}
		t.accounts[key] = f
	}
	f.fails++
	f.last = now
	if over := f.fails - t.freeFails; over >= 0 {
		delay := t.maxDelay
		if over < 30 && time.Second<<over < t.maxDelay {
			delay = time.Second << over
		}
		f.until = now.Add(delay)
	}
}

// succeeded forgets an account's failures.
func (t *throttle) succeeded(email string) {
	key := helpdesk.NormalizeEmail(email)
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.accounts, key)
}

// sweep drops accounts that have not failed for an hour and are not waiting.
func (t *throttle) sweep(now time.Time) {
	for k, f := range t.accounts {
		if now.Sub(f.last) > time.Hour && !now.Before(f.until) {
			delete(t.accounts, k)
		}
	}
}
