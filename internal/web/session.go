package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/httpserver"
)

// Session cookie names. Over HTTPS the cookie is __Host- prefixed, which
// makes the browser insist on Secure, Path=/ and no Domain, so no other host
// or plain-HTTP page can set or overwrite it. The prefix requires Secure,
// which a browser refuses to store over plain HTTP, so a plain-HTTP install
// (http://localhost during a trial) uses the documented unprefixed name.
const (
	cookieHTTPS = "__Host-tixallo_session"
	cookieHTTP  = "tixallo_session"
)

// csrfField is the name of the hidden form field with the per-session token.
const csrfField = "csrf_token"

func (a *App) cookieName(r *http.Request) string {
	if httpserver.IsHTTPS(r, a.trustProxy) {
		return cookieHTTPS
	}
	return cookieHTTP
}

// sessionToken reads the session cookie of the request's scheme.
func (a *App) sessionToken(r *http.Request) string {
	c, err := r.Cookie(a.cookieName(r))
	if err != nil {
		return ""
	}
	return c.Value
}

// setSessionCookie hands the browser a new session. The cookie lives as long
// as the session's absolute timeout; the server enforces both timeouts.
func (a *App) setSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{
		Name:     a.cookieName(r),
		Value:    token,
		Path:     "/",
		MaxAge:   int(helpdesk.SessionAbsoluteTimeout.Seconds()),
		Secure:   httpserver.IsHTTPS(r, a.trustProxy),
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

func (a *App) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name:     a.cookieName(r),
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		Secure:   httpserver.IsHTTPS(r, a.trustProxy),
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

// csrfToken derives the synchronizer token of a session: an HMAC of a fixed
// label keyed by the session token. It needs no storage, changes with every
// new session, and cannot be computed by anyone who cannot read the
// HttpOnly cookie, nor from the database, which holds only a SHA-256 of the
// session token.
func csrfToken(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("tixallo csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validCSRF checks the form token of an authenticated POST. It is the second
// line behind http.CrossOriginProtection, for browsers that send neither
// Sec-Fetch-Site nor Origin.
func (a *App) validCSRF(r *http.Request, st *state) bool {
	got := r.PostFormValue(csrfField)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(st.csrf)) == 1
}

var errFormExpired = helpdesk.Errorf(helpdesk.EForbidden, "This form has expired or did not come from Tixallo. Go back, reload the page and try again.")

// crossOriginDenied answers a request that http.CrossOriginProtection
// refused.
func (a *App) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	a.log.WarnContext(r.Context(), "cross-origin request refused",
		"request_id", httpserver.RequestID(r.Context()), "path", r.URL.Path,
		"sec_fetch_site", r.Header.Get("Sec-Fetch-Site"), "origin", r.Header.Get("Origin"))
	a.fail(w, r, helpdesk.Errorf(helpdesk.EForbidden, "This request came from another website, so Tixallo refused it. Open Tixallo directly and try again."))
}

// localPath accepts a post-login destination only when it is a path on this
// site, so ?next= cannot send anyone elsewhere.
func localPath(p string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n\\") {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return p
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
