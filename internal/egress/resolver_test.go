package egress

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// fakeResolver answers from a fixed table and fails every other name, so
// that no test can fall through to real DNS.
type fakeResolver struct {
	hosts map[string][]string
	mu    sync.Mutex
	asked []string
}

func (r *fakeResolver) LookupNetIP(_ context.Context, network, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	r.asked = append(r.asked, host)
	r.mu.Unlock()
	raw, ok := r.hosts[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var addrs []netip.Addr
	for _, s := range raw {
		a := netip.MustParseAddr(s)
		if network == "ip4" && !a.Unmap().Is4() || network == "ip6" && a.Unmap().Is4() {
			continue
		}
		addrs = append(addrs, a)
	}
	return addrs, nil
}

func (r *fakeResolver) questions() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.asked...)
}

// testResolver maps the names the tests use. Public answers are only ever
// judged by Allowed; no test dials them.
func testResolver() *fakeResolver {
	return &fakeResolver{hosts: map[string][]string{
		"hooks.example.com":        {"1.1.1.1"},
		"dual.example.com":         {"1.1.1.1", "2606:4700::1111"},
		"localhost":                {"127.0.0.1", "::1"},
		"localhost6.example.com":   {"::1"},
		"metadata.google.internal": {"169.254.169.254"},
		"intranet.example.com":     {"10.0.0.5"},
		"router.example.com":       {"192.168.1.1"},
		"vpc.example.com":          {"172.20.0.1"},
		"cgnat.example.com":        {"100.64.1.1"},
		"ula.example.com":          {"fd00::1"},
		"linklocal.example.com":    {"fe80::1"},
		"mapped.example.com":       {"::ffff:127.0.0.1"},
		"zero.example.com":         {"0.0.0.0"},
		"mixed.example.com":        {"1.1.1.1", "10.0.0.1"},
		"mixed6.example.com":       {"2606:4700::1111", "::1"},
		"empty.example.com":        {},
	}}
}

// rebindingResolver answers public first and loopback ever after: what an
// attacker's DNS server does to get past a save-time check.
type rebindingResolver struct{ calls atomic.Int32 }

func (r *rebindingResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	if r.calls.Add(1) == 1 {
		return []netip.Addr{netip.MustParseAddr("1.1.1.1")}, nil
	}
	return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
}
