package egress

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
)

// ErrBlocked is wrapped by every refusal of a destination: its address
// class, scheme, port, or a URL that cannot be judged at all.
var ErrBlocked = errors.New("egress: destination not allowed")

// maxURLLength keeps stored URLs, and the delivery log lines that echo them,
// to a sane size.
const maxURLLength = 2048

// blockedError is a refusal. Its message is a sentence meant for the admin
// who typed the URL, which is why it does not start with ErrBlocked's text.
type blockedError struct{ msg string }

func (e *blockedError) Error() string { return e.msg }
func (e *blockedError) Unwrap() error { return ErrBlocked }

func blocked(format string, args ...any) error {
	return &blockedError{msg: fmt.Sprintf(format, args...)}
}

// CheckURL validates a webhook URL when an endpoint is saved, and returns an
// error wrapping ErrBlocked whose message can be shown as a form error.
//
// The URL must be absolute http or https without a user name or password,
// and have a host. Unless opts.AllowPrivate is set it must also use https on
// port 443, and its host must be, or resolve only to, addresses that Allowed
// accepts; a name with one public and one private address is refused, since
// the dialer would refuse it too. IPv4 addresses in legacy spellings
// (2130706433, 0x7f.1, 0177.0.0.1, 127.1) are read the way a browser reads
// them, and refused even when public, so that the stored URL means one thing.
//
// CheckURL is a courtesy to the admin, not the security boundary: DNS can
// change after saving. NewClient checks again on every connection.
func CheckURL(ctx context.Context, raw string, opts Options) error {
	opts = opts.withDefaults()
	if len(raw) > maxURLLength {
		return blocked("The URL is longer than %d characters.", maxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return blocked("The URL is not valid.")
	}
	if err := checkScheme(u.Scheme, opts); err != nil {
		return err
	}
	if u.Opaque != "" {
		return blocked("The URL must start with https://.")
	}
	if u.User != nil {
		return blocked("The URL must not contain a user name or password.")
	}
	if u.Hostname() == "" {
		return blocked("The URL must include a host name.")
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if _, err := checkPort(port, opts); err != nil {
		return err
	}

	host, ip, kind := parseHost(u.Hostname())
	switch kind {
	case hostInvalid:
		return blocked("The host name %q is not valid.", u.Hostname())
	case hostIP, hostOddIP:
		if err := checkAddr(ip, opts); err != nil {
			return err
		}
		if kind == hostOddIP {
			return blocked("Write the IP address %q as %s.", host, ip)
		}
		return nil
	}

	if opts.AllowPrivate {
		// With the address rule lifted there is nothing to learn from DNS,
		// and an intranet name may not resolve from where the server runs.
		return nil
	}
	addrs, err := opts.Resolver.LookupNetIP(ctx, "ip", host)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil || len(addrs) == 0 {
		return blocked("The host name %q could not be resolved.", host)
	}
	for _, a := range addrs {
		if !Allowed(a) {
			return blocked("The host name %q resolves to %s, which is not a public internet address.", host, a.Unmap())
		}
	}
	return nil
}

func checkScheme(scheme string, opts Options) error {
	switch scheme {
	case "https":
		return nil
	case "http":
		if opts.AllowPrivate {
			return nil
		}
		return blocked("The URL must use https.")
	}
	return blocked("The URL must start with https://.")
}

// checkPort allows 443 and the unprivileged ports (1024 and up, where
// receivers such as :8443 live) by default. The well-known ports below 1024
// other than 443 belong to other protocols (22, 25, 111, 389…): a webhook
// aimed there is far more often a probe than a receiver.
func checkPort(port string, opts Options) (uint16, error) {
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 {
		return 0, blocked("The port %q is not valid.", port)
	}
	if opts.AllowPrivate || n == 443 || n >= 1024 {
		return uint16(n), nil
	}
	return 0, blocked("The port %d is reserved for other services; use 443 or a port from 1024 up.", n)
}

func checkAddr(ip netip.Addr, opts Options) error {
	if opts.AllowPrivate || Allowed(ip) {
		return nil
	}
	return blocked("The address %s is not a public internet address.", ip.Unmap())
}
