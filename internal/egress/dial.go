package egress

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"
)

// dialTimeout bounds one connection attempt, so that a name with several
// addresses can fall over to the next one within the whole attempt's Timeout.
const dialTimeout = 5 * time.Second

// guard is the dial-time half of the SSRF defence. dialContext resolves the
// host itself, through Options.Resolver, and refuses the name outright if any
// address is not public; control then re-checks the exact address of each
// socket just before connect(2). The second check is the one that cannot be
// talked round: whatever path produced the address, it sees the IP the
// kernel is about to send a SYN to.
type guard struct {
	opts   Options
	dialer *net.Dialer
	// dial connects to one checked IP:port; it is dialer.DialContext, and
	// tests replace it to see which addresses would be dialled without
	// sending a packet anywhere.
	dial func(ctx context.Context, network, address string) (net.Conn, error)
}

func newGuard(opts Options) *guard {
	g := &guard{opts: opts}
	g.dialer = &net.Dialer{
		Timeout:        dialTimeout,
		KeepAlive:      30 * time.Second,
		ControlContext: g.control,
	}
	g.dial = g.dialer.DialContext
	return g
}

// control runs after the socket is created and before it connects.
func (g *guard) control(_ context.Context, network, address string, _ syscall.RawConn) error {
	if network != "tcp4" && network != "tcp6" {
		return blocked("Network %s is not allowed for webhooks.", network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return blocked("The address %q is not valid.", address)
	}
	if err := checkAddr(ap.Addr(), g.opts); err != nil {
		return err
	}
	_, err = checkPort(strconv.Itoa(int(ap.Port())), g.opts)
	return err
}

// dialContext is the Transport's DialContext. It never hands a name to the
// operating system: names are resolved here and only checked IPs are dialled,
// so the addresses control sees are the ones that were judged.
func (g *guard) dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	var lookupNetwork string
	switch network {
	case "tcp":
		lookupNetwork = "ip"
	case "tcp4":
		lookupNetwork = "ip4"
	case "tcp6":
		lookupNetwork = "ip6"
	default:
		return nil, blocked("Network %s is not allowed for webhooks.", network)
	}
	rawHost, rawPort, err := net.SplitHostPort(address)
	if err != nil {
		return nil, blocked("The address %q is not valid.", address)
	}

	host, ip, kind := parseHost(rawHost)
	var ips []netip.Addr
	switch kind {
	case hostInvalid:
		return nil, blocked("The host name %q is not valid.", rawHost)
	case hostOddIP:
		// CheckURL refuses these; a stored URL that has one anyway is not
		// given a meaning here either.
		return nil, blocked("Write the IP address %q as %s.", host, ip)
	case hostIP:
		ips = []netip.Addr{ip}
	case hostName:
		ips, err = g.opts.Resolver.LookupNetIP(ctx, lookupNetwork, host)
		if err != nil {
			return nil, &net.OpError{Op: "dial", Net: network, Err: err}
		}
		if len(ips) == 0 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}}
		}
	}
	// One private address taints the whole name, as in CheckURL: an
	// attacker-controlled zone that mixes answers is not a webhook receiver.
	for _, a := range ips {
		if err := checkAddr(a, g.opts); err != nil {
			return nil, err
		}
	}
	port, err := checkPort(rawPort, g.opts)
	if err != nil {
		return nil, err
	}

	var first error
	for _, a := range ips {
		conn, err := g.dial(ctx, network, netip.AddrPortFrom(a.Unmap(), port).String())
		if err == nil {
			return conn, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}
