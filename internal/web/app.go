// Package web is the agent app: server-rendered pages for the people who
// work a Tixallo workspace. It authenticates by session cookie and protects
// every state-changing request against cross-site forgery; it never accepts
// an API key, and the public API (internal/api) never accepts its cookie.
//
// Every page, form and control works without JavaScript; the one script
// only adds conveniences (copy buttons, local times). Templates, the style
// sheet and the script are embedded in the binary. docs/app.md describes the
// pages and the security decisions and their numbers.
package web

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/ratelimit"
)

//go:embed templates static
var assets embed.FS

// Options configures the app.
type Options struct {
	Service *helpdesk.Service
	Logger  *slog.Logger
	// TrustProxy says a reverse proxy sits in front: X-Forwarded-Proto and
	// X-Forwarded-For are believed (for the cookie's Secure flag and the
	// client address that throttles and audit entries use).
	TrustProxy bool
	// PublicURL is the URL people reach Tixallo at, for invite links and the
	// curl example; "" → taken from each request.
	PublicURL string
	// Now is the clock for timeouts, throttles and relative times; nil → time.Now.
	Now func() time.Time
	// Throttles; zero values pick the defaults documented in docs/app.md.
	LoginPerIP      int           // log-in attempts per client address per minute (20)
	SignupPerIP     int           // sign-ups per client address per hour (10)
	AccountFailFree int           // failed log-ins on one account before delays start (5)
	AccountMaxDelay time.Duration // the longest delay between attempts on one account (15 min)
}

// App is the agent web app.
type App struct {
	svc        *helpdesk.Service
	log        *slog.Logger
	trustProxy bool
	publicURL  string
	now        func() time.Time
	pages      map[string]*template.Template
	static     *staticFiles
	throttle   *throttle
	csrf       *http.CrossOriginProtection
}

// New builds the app. It panics when the embedded templates do not parse,
// which a test catches before any build ships.
func New(opts Options) *App {
	if opts.Service == nil {
		panic("web: Options.Service is required")
	}
	a := &App{
		svc:        opts.Service,
		log:        opts.Logger,
		trustProxy: opts.TrustProxy,
		publicURL:  strings.TrimRight(opts.PublicURL, "/"),
		now:        opts.Now,
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	loginPerIP := defaultInt(opts.LoginPerIP, 20)
	signupPerIP := defaultInt(opts.SignupPerIP, 10)
	a.throttle = &throttle{
		now:       a.now,
		loginIP:   ratelimit.NewMemory(loginPerIP, time.Minute),
		signupIP:  ratelimit.NewMemory(signupPerIP, time.Hour),
		freeFails: defaultInt(opts.AccountFailFree, 5),
		maxDelay:  opts.AccountMaxDelay,
		accounts:  map[string]*accountFailures{},
	}
	if a.throttle.maxDelay <= 0 {
		a.throttle.maxDelay = 15 * time.Minute
	}
	staticFS, err := fs.Sub(assets, "static")
	if err != nil {
		panic(fmt.Sprintf("web: static files: %v", err))
	}
	a.static = newStaticFiles(staticFS)
	a.pages = a.parseTemplates()
	a.csrf = http.NewCrossOriginProtection()
	a.csrf.SetDenyHandler(http.HandlerFunc(a.crossOriginDenied))
	// Behind a proxy that rewrites Host, the public URL's origin is still
	// ours: trust it for browsers that send Origin but not Sec-Fetch-Site.
	if u, err := url.Parse(a.publicURL); err == nil && u.Scheme != "" && u.Host != "" {
		if err := a.csrf.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			a.log.Warn("public URL is not a usable origin", "public_url", a.publicURL, "err", err)
		}
	}
	return a
}

func defaultInt(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}
