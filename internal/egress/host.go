package egress

import (
	"net/netip"
	"strings"
)

// hostKind says what a URL's host turned out to be once parsed the way a
// browser or curl would parse it.
type hostKind int

const (
	hostInvalid hostKind = iota // not a usable host name or address
	hostName                    // a DNS name, to be resolved
	hostIP                      // an IP address in its usual spelling
	hostOddIP                   // an IPv4 address in a legacy spelling: 2130706433, 0x7f.1, 0177.0.0.1, 127.1
)

// parseHost classifies a host as it appears in a URL, without brackets.
// For names it returns the lower-case name without a trailing dot; for
// addresses, the address.
//
// Legacy IPv4 spellings matter because net/netip rejects them while the
// things downstream of us may not: getaddrinfo, curl and every browser read
// "2130706433" as 127.0.0.1. A host that ends in a number is therefore parsed
// as IPv4 by the WHATWG URL rules, and one that fails that parse is invalid,
// never a name to be looked up.
func parseHost(host string) (string, netip.Addr, hostKind) {
	if host == "" {
		return "", netip.Addr{}, hostInvalid
	}
	if strings.Contains(host, ":") {
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return "", netip.Addr{}, hostInvalid
		}
		return host, ip, hostIP
	}
	host = strings.ToLower(host)
	if endsInNumber(host) {
		ip, ok := parseLegacyIPv4(host)
		switch {
		case !ok:
			return "", netip.Addr{}, hostInvalid
		case ip.String() == host:
			return host, ip, hostIP
		default:
			return host, ip, hostOddIP
		}
	}
	name := strings.TrimSuffix(host, ".")
	if !validName(name) {
		return "", netip.Addr{}, hostInvalid
	}
	return name, netip.Addr{}, hostName
}

// validName accepts ASCII DNS names only. Internationalised names must be
// entered in their xn-- form: Unicode hosts go through IDNA mapping further
// down the stack, which turns full-width "１２７.０.０.１" into 127.0.0.1, and
// refusing them is simpler than predicting every mapping.
func validName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// endsInNumber is the WHATWG "ends in a number" check: the host is meant as
// an IPv4 address when its last label is all digits or a 0x hex number.
func endsInNumber(host string) bool {
	parts := strings.Split(host, ".")
	if parts[len(parts)-1] == "" {
		if len(parts) == 1 {
			return false
		}
		parts = parts[:len(parts)-1]
	}
	last := parts[len(parts)-1]
	if last != "" && strings.Trim(last, "0123456789") == "" {
		return true
	}
	_, ok := parseIPv4Number(last)
	return ok
}

// parseLegacyIPv4 parses the WHATWG/inet_aton IPv4 forms: one to four parts,
// each decimal, octal (leading 0) or hex (leading 0x), the last part filling
// all the bytes the earlier ones left over, and an optional trailing dot.
func parseLegacyIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if parts[len(parts)-1] == "" && len(parts) > 1 {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var ip uint64
	for i, p := range parts {
		n, ok := parseIPv4Number(p)
		if !ok {
			return netip.Addr{}, false
		}
		if i < len(parts)-1 {
			if n > 255 {
				return netip.Addr{}, false
			}
			ip |= n << (8 * (3 - i))
			continue
		}
		// The last part covers the remaining 5-len(parts) bytes.
		if n >= 1<<(8*(5-len(parts))) {
			return netip.Addr{}, false
		}
		ip |= n
	}
	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}), true
}

// parseIPv4Number parses one part of a legacy IPv4 address. Values past
// 32 bits fail early so that long inputs cannot overflow.
func parseIPv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := uint64(10)
	switch {
	case len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, s = 16, s[2:]
	case len(s) >= 2 && s[0] == '0':
		base, s = 8, s[1:]
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		var d uint64
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			d = uint64(c - '0')
		case 'a' <= c && c <= 'f':
			d = uint64(c-'a') + 10
		case 'A' <= c && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, false
		}
		if d >= base {
			return 0, false
		}
		n = n*base + d
		if n > 0xFFFFFFFF {
			return 0, false
		}
	}
	return n, true
}
