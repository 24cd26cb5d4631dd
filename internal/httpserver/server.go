// Package httpserver puts Tixallo's two audiences, the public API and the
// agent app, behind one handler with what every request shares: a request
// id, one access-log line, panic recovery, metrics by route, and the
// operator's endpoints /healthz, /readyz and /metrics.
package httpserver

import (
	"context"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/tixallo/tixallo/internal/metrics"
)

// Mounter registers an audience's routes on the shared mux.
type Mounter interface {
	Register(mux *http.ServeMux)
}

// Options configures New.
type Options struct {
	Logger     *slog.Logger
	Metrics    *metrics.Registry
	TrustProxy bool
	// Ready reports whether the database answers; /readyz calls it.
	Ready func(ctx context.Context) error
	// Mount holds the API, the app, and anything else with routes.
	Mount []Mounter
}

// New returns the whole HTTP surface of a Tixallo server.
func New(opts Options) http.Handler {
	mux := http.NewServeMux()
	for _, m := range opts.Mount {
		m.Register(mux)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		plain(w, http.StatusOK, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := opts.Ready(ctx); err != nil {
			opts.Logger.WarnContext(ctx, "not ready", "request_id", RequestID(ctx), "err", err)
			plain(w, http.StatusServiceUnavailable, "database unavailable\n")
			return
		}
		plain(w, http.StatusOK, "ok\n")
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		opts.Metrics.WriteText(w)
	})
	reqs := opts.Metrics.NewCounterVec("tixallo_http_requests_total", "HTTP requests by route and status.", "route", "status")
	latency := opts.Metrics.NewHistogramVec("tixallo_http_request_duration_seconds", "HTTP request latency by route.", metrics.DefaultBuckets, "route")
	return withRequestID(observe(opts.Logger, reqs, latency, opts.TrustProxy, apiPathsAsIs(mux)))
}

// apiPathsAsIs keeps ServeMux from redirecting an API request whose path is
// not clean (a double slash, a dot segment): its 301 has an HTML body, and a
// client following it would resend a POST as a GET. The API names its
// resources by exact paths, so such a request asks for nothing there: it
// goes to the API's catch-all, which answers its JSON 404.
func apiPathsAsIs(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if (p == "/api" || strings.HasPrefix(p, "/api/")) && !isClean(p) {
			r2 := r.Clone(r.Context())
			r2.URL.Path, r2.URL.RawPath = "/api/", ""
			r = r2
		}
		mux.ServeHTTP(w, r)
	})
}

// isClean reports whether ServeMux would serve p as it is: path.Clean
// leaves it alone, but for a trailing slash, which ServeMux keeps.
func isClean(p string) bool {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

func plain(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
