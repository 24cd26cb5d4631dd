package egress

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestCheckURLRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
	}{
		// Loopback, every spelling.
		{"loopback", "https://127.0.0.1/"},
		{"loopback other", "https://127.9.9.9/hook"},
		{"loopback short", "https://127.1/"},
		{"loopback three parts", "https://127.0.1/"},
		{"loopback decimal", "https://2130706433/"},
		{"loopback hex", "https://0x7f000001/"},
		{"loopback hex upper", "https://0X7F000001/"},
		{"loopback octal", "https://0177.0.0.1/"},
		{"loopback octal whole", "https://017700000001/"},
		{"loopback hex short", "https://0x7f.1/"},
		{"loopback hex dotted", "https://0x7f.0.0.1/"},
		{"loopback zero padded", "https://127.000.000.001/"},
		{"loopback trailing dot", "https://127.0.0.1./"},
		{"loopback v6", "https://[::1]/"},
		{"loopback v6 long", "https://[0:0:0:0:0:0:0:1]/"},
		{"loopback mapped", "https://[::ffff:127.0.0.1]/"},
		{"loopback mapped long", "https://[0:0:0:0:0:ffff:7f00:1]/"},
		{"loopback compatible", "https://[::127.0.0.1]/"},
		{"loopback nat64", "https://[64:ff9b::7f00:1]/"},
		{"loopback 6to4", "https://[2002:7f00:1::1]/"},
		{"localhost", "https://localhost/"},
		{"localhost upper trailing dot", "https://LOCALHOST./"},
		{"name to ::1", "https://localhost6.example.com/"},

		// Unspecified.
		{"zero", "https://0.0.0.0/"},
		{"zero short", "https://0/"},
		{"unspecified v6", "https://[::]/"},
		{"name to zero", "https://zero.example.com/"},

		// Private, shared, link-local, metadata.
		{"10/8", "https://10.0.0.1/"},
		{"172.16/12", "https://172.16.0.1/"},
		{"172.31", "https://172.31.255.254/"},
		{"192.168/16", "https://192.168.1.1/"},
		{"CGNAT", "https://100.64.0.1/"},
		{"metadata", "http://169.254.169.254/latest/meta-data/"},
		{"metadata https", "https://169.254.169.254/latest/meta-data/"},
		{"metadata hex", "https://0xa9fea9fe/"},
		{"metadata mapped", "https://[::ffff:169.254.169.254]/"},
		{"metadata name", "https://metadata.google.internal/computeMetadata/v1/"},
		{"ULA", "https://[fc00::1]/"},
		{"ULA fd", "https://[fd12:3456::1]/"},
		{"link-local v6", "https://[fe80::1]/"},
		{"link-local v6 zone", "https://[fe80::1%25eth0]/"},
		{"mapped private", "https://[::ffff:10.0.0.1]/"},
		{"benchmarking", "https://198.18.0.1/"},
		{"documentation", "https://192.0.2.1/"},
		{"reserved", "https://240.0.0.1/"},
		{"broadcast", "https://255.255.255.255/"},
		{"teredo", "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/"},
		{"site-local", "https://[fec0::1]/"},

		// Multicast.
		{"multicast v4", "https://224.0.0.1/"},
		{"multicast v6", "https://[ff02::1]/"},

		// Names that resolve inward.
		{"name to 10/8", "https://intranet.example.com/"},
		{"name to 192.168", "https://router.example.com/"},
		{"name to 172.16/12", "https://vpc.example.com/"},
		{"name to CGNAT", "https://cgnat.example.com/"},
		{"name to ULA", "https://ula.example.com/"},
		{"name to link-local", "https://linklocal.example.com/"},
		{"name to mapped loopback", "https://mapped.example.com/"},
		{"name public and private", "https://mixed.example.com/"},
		{"name public and private v6", "https://mixed6.example.com/"},
		{"name with no addresses", "https://empty.example.com/"},
		{"name that does not resolve", "https://nowhere.example.com/"},

		// Scheme, userinfo, host, port, shape.
		{"http", "http://hooks.example.com/"},
		{"ftp", "ftp://hooks.example.com/"},
		{"file", "file:///etc/passwd"},
		{"gopher", "gopher://hooks.example.com:70/"},
		{"javascript", "javascript:alert(1)"},
		{"opaque", "https:hooks.example.com"},
		{"scheme-relative", "//hooks.example.com/"},
		{"relative", "/hooks"},
		{"empty", ""},
		{"userinfo", "https://user:pass@hooks.example.com/"},
		{"user only", "https://user@hooks.example.com/"},
		{"empty userinfo", "https://@hooks.example.com/"},
		{"userinfo hiding loopback", "https://hooks.example.com@127.0.0.1/"},
		{"empty host", "https:///hooks"},
		{"empty host with user", "https://user@/"},
		{"port 22", "https://hooks.example.com:22/"},
		{"port 22", "https://hooks.example.com:22/"},
		{"port 80 on https", "https://hooks.example.com:80/"},
		{"port 0", "https://hooks.example.com:0/"},
		{"port too big", "https://hooks.example.com:70000/"},
		{"bad octal", "https://1.2.3.09/"},
		{"too many parts", "https://1.2.3.4.5/"},
		{"full-width", "https://ｌｏｃａｌｈｏｓｔ/"},
		{"full-width digits", "https://１２７.０.０.１/"},
		{"percent-encoded host", "https://%31%32%37.0.0.1/"},
		{"backslash", `https://hooks.example.com\@127.0.0.1/`},
		{"public odd spelling", "https://134744072/"}, // 8.8.8.8, but spelled ambiguously
		{"too long", "https://hooks.example.com/" + strings.Repeat("a", maxURLLength)},
	}
	if len(tests) < 40 {
		t.Fatalf("table has %d entries, want at least 40", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckURL(context.Background(), tt.url, Options{Resolver: testResolver()})
			if !errors.Is(err, ErrBlocked) {
				t.Fatalf("CheckURL(%q) = %v, want an error wrapping ErrBlocked", tt.url, err)
			}
			if msg := err.Error(); msg == "" || strings.HasPrefix(msg, "egress:") {
				t.Errorf("CheckURL(%q) message %q is not a sentence for a form", tt.url, msg)
			}
		})
	}
}

func TestCheckURLAllows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url  string
		opts Options
	}{
		{"https://hooks.example.com", Options{}},
		{"https://hooks.example.com/tixallo?token=abc#frag", Options{}},
		{"https://hooks.example.com:443/x", Options{}},
		{"HTTPS://Hooks.Example.COM./x", Options{}},
		{"https://dual.example.com/", Options{}},
		{"https://8.8.8.8/hook", Options{}},
		{"https://[2606:4700::1111]/hook", Options{}},
		{"https://[::ffff:8.8.8.8]/hook", Options{}},
		// --webhook-allow-private lifts the address, port and http rules.
		{"http://127.0.0.1:8080/hook", Options{AllowPrivate: true}},
		{"http://localhost:3000/", Options{AllowPrivate: true}},
		{"https://10.1.2.3:8443/", Options{AllowPrivate: true}},
		{"http://[::1]:9000/", Options{AllowPrivate: true}},
		{"http://intranet.example.com/", Options{AllowPrivate: true}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			tt.opts.Resolver = testResolver()
			if err := CheckURL(context.Background(), tt.url, tt.opts); err != nil {
				t.Errorf("CheckURL(%q, AllowPrivate=%v) = %v, want nil", tt.url, tt.opts.AllowPrivate, err)
			}
		})
	}
}

// AllowPrivate lifts the address rule, not the shape rules.
func TestCheckURLAllowPrivateKeepsShapeRules(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"ftp://127.0.0.1/",
		"file:///etc/passwd",
		"http://user:pass@127.0.0.1/",
		"http:///x",
		"http://2130706433/",
		"http://1.2.3.09/",
	} {
		t.Run(raw, func(t *testing.T) {
			t.Parallel()
			err := CheckURL(context.Background(), raw, Options{AllowPrivate: true, Resolver: testResolver()})
			if !errors.Is(err, ErrBlocked) {
				t.Errorf("CheckURL(%q, AllowPrivate) = %v, want ErrBlocked", raw, err)
			}
		})
	}
}

// Literal addresses are judged as they are; asking DNS about "2130706433"
// is exactly the ambiguity the parser exists to avoid.
func TestCheckURLDoesNotResolveLiterals(t *testing.T) {
	t.Parallel()
	r := testResolver()
	for _, raw := range []string{"https://127.0.0.1/", "https://2130706433/", "https://0x7f.1/", "https://[::1]/", "https://8.8.8.8/"} {
		_ = CheckURL(context.Background(), raw, Options{Resolver: r})
	}
	if q := r.questions(); len(q) != 0 {
		t.Errorf("resolver was asked %q, want no questions", q)
	}
}

func TestCheckURLMessages(t *testing.T) {
	t.Parallel()
	tests := []struct{ url, want string }{
		{"http://hooks.example.com/", "must use https"},
		{"https://127.1/", "127.0.0.1 is not a public internet address"},
		{"https://134744072/", "as 8.8.8.8"},
		{"https://mixed.example.com/", "resolves to 10.0.0.1"},
		{"https://user@hooks.example.com/", "user name or password"},
		{"https://hooks.example.com:25/", "reserved for other services"},
		{"https://nowhere.example.com/", "could not be resolved"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			err := CheckURL(context.Background(), tt.url, Options{Resolver: testResolver()})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CheckURL(%q) = %v, want a message containing %q", tt.url, err, tt.want)
			}
		})
	}
}

func TestCheckURLCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := CheckURL(ctx, "https://hooks.example.com/", Options{Resolver: testResolver()})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("CheckURL with a canceled context = %v, want context.Canceled", err)
	}
}
