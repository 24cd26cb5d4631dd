package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/httpserver"
)

// maxFormBytes bounds a form body: the longest field (a 20,000-character
// reply) fits many times over.
const maxFormBytes = 1 << 20

// contentSecurityPolicy allows nothing but the app's own files: no inline
// script or style (templates have neither), no framing, forms only to us.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"

// state is what the app knows about a request: who sent it (nil auth when
// logged out), its session token (for the CSRF token), its address.
type state struct {
	auth  *helpdesk.Auth
	token string
	csrf  string
	ip    string
	https bool
}

type stateKey struct{}

func stateOf(r *http.Request) *state {
	st, _ := r.Context().Value(stateKey{}).(*state)
	if st == nil {
		return &state{}
	}
	return st
}

// handlerFunc is a page handler; a returned error becomes an error page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// headers sets the security headers every response of the app carries.
func (a *App) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// public serves a page that anyone may open. It loads the session when there
// is a valid one, so logged-in visitors can be sent on.
func (a *App) public(h handlerFunc) http.Handler {
	return a.wrap(h, accessPublic)
}

// member serves a page for any member of the session's workspace.
func (a *App) member(h handlerFunc) http.Handler {
	return a.wrap(h, accessMember)
}

// manager serves a page for owners and admins; agents get a friendly 403.
func (a *App) manager(h handlerFunc) http.Handler {
	return a.wrap(h, accessManager)
}

type access int

const (
	accessPublic access = iota
	accessMember
	accessManager
)

// wrap puts a handler behind, in order: the security headers, the
// cross-origin check of net/http (which refuses a state-changing request
// that the browser marks as cross-site, or whose Origin is not this host),
// the session, the role, and for authenticated POSTs the per-session form
// token.
func (a *App) wrap(h handlerFunc, level access) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				var tooBig *http.MaxBytesError
				if !errors.As(err, &tooBig) {
					err = helpdesk.Errorf(helpdesk.EInvalid, "The form could not be read. Go back and try again.")
				}
				a.fail(w, r, err)
				return
			}
		}
		st := &state{ip: httpserver.ClientIP(r, a.trustProxy), https: httpserver.IsHTTPS(r, a.trustProxy)}
		if token := a.sessionToken(r); token != "" {
			auth, err := a.svc.SessionAuth(r.Context(), token)
			switch {
			case err == nil:
				st.auth, st.token, st.csrf = auth, token, csrfToken(token)
			case helpdesk.IsCode(err, helpdesk.EUnauthorized):
				a.clearSessionCookie(w, r) // expired or ended: forget it
			default:
				a.fail(w, r, err)
				return
			}
		}
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		if level >= accessMember && st.auth == nil {
			a.toLogin(w, r)
			return
		}
		if level >= accessManager && !st.auth.Member.Role.CanManage() {
			a.fail(w, r, helpdesk.Errorf(helpdesk.EForbidden, "Only owners and admins can open this page. Ask one of them if you need access."))
			return
		}
		if level >= accessMember && r.Method == http.MethodPost && !a.validCSRF(r, st) {
			a.fail(w, r, errFormExpired)
			return
		}
		if err := h(w, r); err != nil {
			a.fail(w, r, err)
		}
	})
	return a.headers(a.csrf.Handler(inner))
}

// toLogin sends a logged-out visitor to the log-in page, remembering where
// they were going when it was a page (not a form post).
func (a *App) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + urlQueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
