package egress

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Every test here talks only to loopback listeners it opened itself. The
// refusal tests use a bare listener that nobody serves, then check that no
// connection reached its accept queue: a guard that let a SYN out would
// leave one there.

// canary is a loopback listener that must never be connected to.
func canary(t *testing.T, network, addr string) net.Listener {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// assertNoConnection fails the test if a connection reached ln.
func assertNoConnection(t *testing.T, ln net.Listener) {
	t.Helper()
	if err := ln.(*net.TCPListener).SetDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	conn, err := ln.Accept()
	if err == nil {
		conn.Close()
		t.Fatal("the refused destination accepted a connection")
	}
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("Accept: %v, want a timeout", err)
	}
}

func port(t *testing.T, ln net.Listener) uint16 {
	t.Helper()
	return netip.MustParseAddrPort(ln.Addr().String()).Port()
}

func assertBlocked(t *testing.T, err error, wantInMsg string) {
	t.Helper()
	if !errors.Is(err, ErrBlocked) {
		t.Fatalf("err = %v, want an error wrapping ErrBlocked", err)
	}
	if !strings.Contains(err.Error(), wantInMsg) {
		t.Errorf("err = %v, want it to mention %q", err, wantInMsg)
	}
}

func get(t *testing.T, c *http.Client, rawURL string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err == nil {
		t.Cleanup(func() { resp.Body.Close() })
	}
	return resp, err
}

// The production client refuses loopback when it dials, not before: the
// request is well-formed https, and the refusal names the address.
func TestClientRefusesLoopbackAtDial(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, network, listen, host string
	}{
		{"ipv4", "tcp4", "127.0.0.1:0", "127.0.0.1"},
		{"ipv6", "tcp6", "[::1]:0", "[::1]"},
		{"ipv4-mapped", "tcp4", "127.0.0.1:0", "[::ffff:127.0.0.1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ln := canary(t, tt.network, tt.listen)
			c := NewClient(Options{Resolver: testResolver()})
			_, err := get(t, c, fmt.Sprintf("https://%s:%d/hook", tt.host, port(t, ln)))
			assertBlocked(t, err, "not a public internet address")
			assertNoConnection(t, ln)
		})
	}
}

// The Control hook on its own, with the pre-dial checks out of the way:
// dialling the loopback listener directly through the guarded net.Dialer is
// refused on the socket's own address, before connect(2).
func TestDialerControlRefusesBeforeConnect(t *testing.T) {
	t.Parallel()
	ln := canary(t, "tcp4", "127.0.0.1:0")
	g := newGuard(Options{}.withDefaults())
	conn, err := g.dialer.DialContext(t.Context(), "tcp", ln.Addr().String())
	if err == nil {
		conn.Close()
	}
	assertBlocked(t, err, "127.0.0.1")
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("err = %T, want it to come from the dialer (*net.OpError)", err)
	}
	assertNoConnection(t, ln)
}

// control as a pure function: the addresses here are never dialled.
func TestDialerControl(t *testing.T) {
	t.Parallel()
	tests := []struct {
		network, address string
		allowPrivate     bool
		want             bool
	}{
		{"tcp4", "1.1.1.1:443", false, true},
		{"tcp6", "[2606:4700::1111]:443", false, true},
		{"tcp4", "127.0.0.1:443", false, false},
		{"tcp4", "10.0.0.1:443", false, false},
		{"tcp4", "169.254.169.254:443", false, false},
		{"tcp6", "[::1]:443", false, false},
		{"tcp6", "[::ffff:127.0.0.1]:443", false, false},
		{"tcp6", "[fe80::1%eth0]:443", false, false},
		{"tcp4", "1.1.1.1:22", false, false},
		{"tcp4", "1.1.1.1:8443", false, true},
		{"udp4", "1.1.1.1:443", false, false},
		{"tcp4", "not-an-address", false, false},
		{"tcp4", "127.0.0.1:8080", true, true},
		{"tcp6", "[::1]:9000", true, true},
		{"udp4", "127.0.0.1:53", true, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s/%v", tt.network, tt.address, tt.allowPrivate), func(t *testing.T) {
			t.Parallel()
			g := newGuard(Options{AllowPrivate: tt.allowPrivate}.withDefaults())
			err := g.control(t.Context(), tt.network, tt.address, nil)
			if got := err == nil; got != tt.want {
				t.Errorf("control(%s, %s) = %v, want allowed=%v", tt.network, tt.address, err, tt.want)
			}
			if err != nil && !errors.Is(err, ErrBlocked) {
				t.Errorf("control error %v does not wrap ErrBlocked", err)
			}
		})
	}
}

// DNS rebinding: the name passes CheckURL while it points at a public
// address, then points at loopback when the delivery dials. The dial-time
// check catches it, with no save-time check in the way.
func TestClientRefusesRebinding(t *testing.T) {
	t.Parallel()
	ln := canary(t, "tcp4", "127.0.0.1:0")
	r := &rebindingResolver{}
	opts := Options{Resolver: r}
	if err := CheckURL(t.Context(), "https://rebind.example.com/hook", opts); err != nil {
		t.Fatalf("CheckURL on the first, public answer = %v, want nil", err)
	}
	if n := r.calls.Load(); n != 1 {
		t.Fatalf("CheckURL asked the resolver %d times, want 1", n)
	}
	_, err := get(t, NewClient(opts), fmt.Sprintf("https://rebind.example.com:%d/hook", port(t, ln)))
	assertBlocked(t, err, "127.0.0.1")
	assertNoConnection(t, ln)
}

// A name that resolves to loopback is refused at dial time whether or not
// CheckURL ever saw the URL.
func TestClientRefusesNameToLoopback(t *testing.T) {
	t.Parallel()
	ln := canary(t, "tcp4", "127.0.0.1:0")
	r := &fakeResolver{hosts: map[string][]string{"evil.example.com": {"127.0.0.1"}}}
	_, err := get(t, NewClient(Options{Resolver: r}), fmt.Sprintf("https://evil.example.com:%d/", port(t, ln)))
	assertBlocked(t, err, "127.0.0.1")
	assertNoConnection(t, ln)
	if q := r.questions(); len(q) != 1 || q[0] != "evil.example.com" {
		t.Errorf("resolver was asked %q, want [evil.example.com]", q)
	}
}

// Plain http is refused before anything is dialled, and so are the legacy
// spellings CheckURL refuses.
func TestClientRefusesBeforeDialling(t *testing.T) {
	t.Parallel()
	ln := canary(t, "tcp4", "127.0.0.1:0")
	p := port(t, ln)
	for _, raw := range []string{
		fmt.Sprintf("http://127.0.0.1:%d/", p),
		fmt.Sprintf("https://2130706433:%d/", p),
		fmt.Sprintf("https://0x7f.1:%d/", p),
		fmt.Sprintf("https://localhost:%d/", p),
	} {
		_, err := get(t, NewClient(Options{Resolver: testResolver()}), raw)
		if !errors.Is(err, ErrBlocked) {
			t.Errorf("GET %s = %v, want ErrBlocked", raw, err)
		}
	}
	assertNoConnection(t, ln)
}

// recordingDial stands in for net.Dialer so that tests about names with
// several addresses can see what would be dialled without dialling it.
type recordingDial struct {
	dialled []string
	fail    map[string]bool
}

func (d *recordingDial) dial(_ context.Context, _, address string) (net.Conn, error) {
	d.dialled = append(d.dialled, address)
	if d.fail[address] {
		return nil, errors.New("connection refused (fake)")
	}
	c1, c2 := net.Pipe()
	c2.Close()
	return c1, nil
}

func TestDialContextNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		addr    string
		fail    []string
		want    []string // addresses dialled, in order
		blocked bool
	}{
		{"public", "hooks.example.com:443", nil, []string{"1.1.1.1:443"}, false},
		{"falls over to the next address", "dual.example.com:443", []string{"1.1.1.1:443"},
			[]string{"1.1.1.1:443", "[2606:4700::1111]:443"}, false},
		{"mixed answer dials nothing", "mixed.example.com:443", nil, nil, true},
		{"mixed v6 answer dials nothing", "mixed6.example.com:443", nil, nil, true},
		{"metadata name dials nothing", "metadata.google.internal:443", nil, nil, true},
		{"public name on port 22 dials nothing", "hooks.example.com:22", nil, nil, true},
		{"literal private dials nothing", "10.0.0.1:443", nil, nil, true},
		{"invalid host dials nothing", "1.2.3.09:443", nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGuard(Options{Resolver: testResolver()}.withDefaults())
			rec := &recordingDial{fail: map[string]bool{}}
			for _, f := range tt.fail {
				rec.fail[f] = true
			}
			g.dial = rec.dial
			conn, err := g.dialContext(t.Context(), "tcp", tt.addr)
			if conn != nil {
				conn.Close()
			}
			if tt.blocked != errors.Is(err, ErrBlocked) || !tt.blocked && err != nil {
				t.Errorf("dialContext(%s) = %v, want blocked=%v", tt.addr, err, tt.blocked)
			}
			if fmt.Sprint(rec.dialled) != fmt.Sprint(tt.want) {
				t.Errorf("dialled %v, want %v", rec.dialled, tt.want)
			}
		})
	}
}

func TestDialContextUnresolvable(t *testing.T) {
	t.Parallel()
	g := newGuard(Options{Resolver: testResolver()}.withDefaults())
	g.dial = (&recordingDial{}).dial
	_, err := g.dialContext(t.Context(), "tcp", "nowhere.example.com:443")
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Errorf("dialContext on an unknown name = %v, want a not-found *net.DNSError", err)
	}
}

// server starts a loopback test server, closed when the test ends.
func server(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestClientAllowPrivate(t *testing.T) {
	t.Parallel()
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})
	u, _ := url.Parse(srv.URL)
	r := &fakeResolver{hosts: map[string][]string{"receiver.example.com": {"127.0.0.1"}}}
	c := NewClient(Options{AllowPrivate: true, Resolver: r})
	for _, raw := range []string{
		srv.URL + "/hook",
		"http://receiver.example.com:" + u.Port() + "/hook", // through the injected resolver
	} {
		resp, err := get(t, c, raw)
		if err != nil {
			t.Fatalf("GET %s: %v", raw, err)
		}
		body, err := ReadBody(resp.Body, 0)
		if err != nil || resp.StatusCode != http.StatusOK || string(body) != "ok" {
			t.Errorf("GET %s = %d %q %v, want 200 \"ok\"", raw, resp.StatusCode, body, err)
		}
	}
}

func TestClientHTTP2(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)

	c := NewClient(Options{AllowPrivate: true, Resolver: testResolver()})
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c.Transport.(*schemeGuard).next.TLSClientConfig.RootCAs = pool

	resp, err := get(t, c, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("response protocol = %s, want HTTP/2", resp.Proto)
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	var followed atomic.Int32
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/inside" {
			followed.Add(1)
			return
		}
		http.Redirect(w, r, "/inside", http.StatusFound)
	})
	resp, err := get(t, NewClient(Options{AllowPrivate: true, Resolver: testResolver()}), srv.URL+"/hook")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/inside" {
		t.Errorf("got %d Location=%q, want the 302 itself", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n := followed.Load(); n != 0 {
		t.Errorf("redirect target was requested %d times, want 0", n)
	}
}

func TestClientReadsAtMostMaxBody(t *testing.T) {
	t.Parallel()
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 1<<20)))
	})
	opts := Options{AllowPrivate: true, Resolver: testResolver()}.withDefaults()
	resp, err := get(t, NewClient(opts), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := ReadBody(resp.Body, opts.MaxBody)
	if err != nil {
		t.Fatal(err)
	}
	if len(body) != 64<<10 {
		t.Errorf("read %d bytes, want %d", len(body), 64<<10)
	}
}

func TestClientTimeout(t *testing.T) {
	t.Parallel()
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	c := NewClient(Options{AllowPrivate: true, Resolver: testResolver(), Timeout: 100 * time.Millisecond})
	start := time.Now()
	_, err := get(t, c, srv.URL)
	var uerr *url.Error
	if !errors.As(err, &uerr) || !uerr.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timed out after %v, want about 100ms", d)
	}
}

func TestNewClientDefaults(t *testing.T) {
	t.Parallel()
	c := NewClient(Options{})
	if c.Timeout != DefaultTimeout {
		t.Errorf("Timeout = %v, want %v", c.Timeout, DefaultTimeout)
	}
	tr := c.Transport.(*schemeGuard).next
	if tr.Proxy != nil {
		t.Error("Transport.Proxy is set; the environment must not choose a proxy")
	}
	if tr.MaxConnsPerHost == 0 || tr.MaxResponseHeaderBytes == 0 {
		t.Error("transport limits are not set")
	}
}
