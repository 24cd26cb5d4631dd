package egress

import "net/netip"

// blockedV4 lists the IPv4 ranges that are never a webhook destination: the
// IANA special-purpose registry minus the few entries that are globally
// reachable anycast services nobody would host a webhook on anyway.
var blockedV4 = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"; 0.0.0.0 reaches the local host on Linux
	netip.MustParsePrefix("10.0.0.0/8"),      // private (RFC 1918)
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT (RFC 6598)
	netip.MustParsePrefix("127.0.0.0/8"),     // loopback
	netip.MustParsePrefix("169.254.0.0/16"),  // link-local, home of the cloud metadata service
	netip.MustParsePrefix("172.16.0.0/12"),   // private (RFC 1918)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation (TEST-NET-1)
	netip.MustParsePrefix("192.88.99.0/24"),  // deprecated 6to4 relay anycast
	netip.MustParsePrefix("192.168.0.0/16"),  // private (RFC 1918)
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation (TEST-NET-2)
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation (TEST-NET-3)
	netip.MustParsePrefix("224.0.0.0/4"),     // multicast
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, including 255.255.255.255 broadcast
}

// IPv6 is judged the other way round: only global unicast (2000::/3) can be
// public, so everything outside it — ::, ::1, ::/96, 100::/64, fc00::/7,
// fe80::/10, fec0::/10, ff00::/8 and whatever IANA carves out next — is refused
// without having to be listed. These are the exceptions on either side.
var (
	globalUnicastV6 = netip.MustParsePrefix("2000::/3")

	blockedGlobalV6 = []netip.Prefix{
		netip.MustParsePrefix("2001::/23"),     // IETF protocol assignments: Teredo 2001::/32, benchmarking, ORCHID
		netip.MustParsePrefix("2001:db8::/32"), // documentation
		netip.MustParsePrefix("3fff::/20"),     // documentation (RFC 9637)
	}

	// Addresses in these ranges carry an IPv4 address that a translator or
	// relay will deliver to, so they are as good or as bad as that address.
	nat64V6 = netip.MustParsePrefix("64:ff9b::/96") // well-known NAT64 prefix, v4 in the last 32 bits
	sixToV4 = netip.MustParsePrefix("2002::/16")    // 6to4, v4 in bits 16–47
)

// Allowed reports whether ip is a public unicast address that a webhook may be
// delivered to. It is false for loopback, private, link-local, multicast,
// broadcast, CGNAT, documentation, benchmarking and reserved ranges, for the
// IPv6 spellings of any such IPv4 address (IPv4-mapped, IPv4-compatible,
// NAT64, 6to4), for Teredo, and for any address with a zone, since a zone only
// makes sense on a local link.
func Allowed(ip netip.Addr) bool {
	if !ip.IsValid() || ip.Zone() != "" {
		return false
	}
	// ::ffff:127.0.0.1 is 127.0.0.1 as far as the kernel is concerned.
	ip = ip.Unmap()
	if ip.Is4() {
		return allowedV4(ip)
	}
	if nat64V6.Contains(ip) {
		b := ip.As16()
		return allowedV4(netip.AddrFrom4([4]byte(b[12:16])))
	}
	if !globalUnicastV6.Contains(ip) {
		return false
	}
	for _, p := range blockedGlobalV6 {
		if p.Contains(ip) {
			return false
		}
	}
	if sixToV4.Contains(ip) {
		b := ip.As16()
		return allowedV4(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return true
}

func allowedV4(ip netip.Addr) bool {
	for _, p := range blockedV4 {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
