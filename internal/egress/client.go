package egress

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/netip"
	"time"
)

// Defaults for Options, from the webhook section of the spec: each attempt
// times out after 10 s and at most 64 KB of a response is read.
const (
	DefaultTimeout = 10 * time.Second
	DefaultMaxBody = 64 << 10
)

// Resolver is the part of *net.Resolver the guard uses. Tests inject a fake,
// so that no test ever asks real DNS about anything.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Options configures CheckURL and NewClient. The zero value is the
// production setting.
type Options struct {
	// AllowPrivate is --webhook-allow-private: it lifts the address and port
	// rules and allows plain http, for self-hosted intranets and tests.
	AllowPrivate bool
	// Resolver looks up host names; nil means net.DefaultResolver.
	Resolver Resolver
	// Timeout bounds a whole attempt: dial, TLS, request, response and body.
	// Zero means DefaultTimeout.
	Timeout time.Duration
	// MaxBody is how much of a response the caller keeps, passed to
	// ReadBody. Zero means DefaultMaxBody.
	MaxBody int64
}

func (o Options) withDefaults() Options {
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	return o
}

// NewClient returns the HTTP client for webhook deliveries.
//
// Every connection goes through the guard: names are resolved with
// opts.Resolver and every address, including the one a socket is about to
// connect to, must pass Allowed, so DNS rebinding between CheckURL and the
// delivery gains nothing. The client follows no redirects — a 3xx response is
// returned as it is, and the caller counts it as a failure — uses no proxy
// from the environment (a proxy would make the guard check the proxy instead
// of the receiver), and refuses plain http unless opts.AllowPrivate is set.
// Refusals are errors wrapping ErrBlocked.
func NewClient(opts Options) *http.Client {
	opts = opts.withDefaults()
	g := newGuard(opts)
	t := &http.Transport{
		Proxy:               nil,
		DialContext:         g.dialContext,
		ForceAttemptHTTP2:   true, // a custom DialContext turns HTTP/2 off unless asked
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 5 * time.Second,
		MaxIdleConns:        256,
		// The dispatcher runs at most 16 attempts per endpoint at once
		// (webhook.DefaultPerEndpoint); keeping that many connections idle
		// lets a busy endpoint reuse them instead of reconnecting per
		// attempt, and the cap stops one slow receiver from soaking up the
		// dispatcher's sockets.
		MaxIdleConnsPerHost:    16,
		MaxConnsPerHost:        16,
		IdleConnTimeout:        90 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		// We read at most MaxBody of a reply; transparent gzip would only
		// make that many bytes cost more to produce.
		DisableCompression: true,
	}
	return &http.Client{
		Transport: &schemeGuard{next: t, allowHTTP: opts.AllowPrivate},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
		Timeout: opts.Timeout,
	}
}

// schemeGuard refuses plain http before anything is dialled. The port rule
// alone would let http://host:443/ through in cleartext.
type schemeGuard struct {
	next      *http.Transport
	allowHTTP bool
}

func (s *schemeGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	switch {
	case req.URL.Scheme == "https", req.URL.Scheme == "http" && s.allowHTTP:
		return s.next.RoundTrip(req)
	}
	// A RoundTripper must close the request body, even on error.
	if req.Body != nil {
		req.Body.Close()
	}
	return nil, blocked("The URL must use https.")
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// transport through the wrapper.
func (s *schemeGuard) CloseIdleConnections() { s.next.CloseIdleConnections() }
