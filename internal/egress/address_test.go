package egress

import (
	"net/netip"
	"testing"
)

// These addresses are inputs to a pure function. None of them is dialled.
func TestAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		want bool
	}{
		// Public unicast.
		{"1.1.1.1", true},
		{"8.8.8.8", true},
		{"9.9.9.9", true},
		{"93.184.215.14", true},
		{"100.63.255.255", true},  // just below CGNAT
		{"100.128.0.0", true},     // just above CGNAT
		{"172.15.255.255", true},  // just below 172.16/12
		{"172.32.0.0", true},      // just above 172.16/12
		{"192.169.0.1", true},     // just above 192.168/16
		{"198.17.255.255", true},  // just below benchmarking
		{"198.20.0.0", true},      // just above benchmarking
		{"223.255.255.255", true}, // just below multicast
		{"2606:4700::1111", true},
		{"2001:4860:4860::8888", true},
		{"2a00:1450:4001:80b::200e", true},
		{"::ffff:8.8.8.8", true},
		{"64:ff9b::808:808", true}, // NAT64 of 8.8.8.8
		{"2002:808:808::1", true},  // 6to4 of 8.8.8.8

		// Unspecified and loopback.
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"::", false},
		{"127.0.0.1", false},
		{"127.1.2.3", false},
		{"127.255.255.255", false},
		{"::1", false},

		// Private.
		{"10.0.0.1", false},
		{"10.255.255.255", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.168.0.1", false},
		{"192.168.255.255", false},
		{"fc00::1", false},
		{"fd12:3456:789a::1", false},

		// Link-local, including the cloud metadata service.
		{"169.254.169.254", false},
		{"169.254.0.1", false},
		{"fe80::1", false},
		{"febf::1", false},
		{"fe80::1%eth0", false},
		{"fd00:ec2::254", false}, // AWS IMDS over IPv6

		// Multicast and broadcast.
		{"224.0.0.1", false},
		{"239.255.255.250", false},
		{"255.255.255.255", false},
		{"ff02::1", false},
		{"ff05::2", false},

		// Shared, documentation, benchmarking, reserved.
		{"100.64.0.1", false},
		{"100.127.255.255", false},
		{"192.0.2.1", false},
		{"198.51.100.1", false},
		{"203.0.113.1", false},
		{"2001:db8::1", false},
		{"3fff::1", false},
		{"198.18.0.1", false},
		{"198.19.255.255", false},
		{"240.0.0.1", false},
		{"192.0.0.1", false},
		{"192.0.0.170", false},
		{"192.88.99.1", false},

		// Blocked IPv4 in IPv6 clothing.
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"::ffff:169.254.169.254", false},
		{"::ffff:0.0.0.0", false},
		{"::127.0.0.1", false}, // IPv4-compatible
		{"::8.8.8.8", false},   // IPv4-compatible is deprecated, even for public
		{"64:ff9b::7f00:1", false},
		{"64:ff9b::a9fe:a9fe", false},
		{"64:ff9b:1::a00:1", false}, // local-use NAT64
		{"2002:7f00:1::1", false},
		{"2002:a9fe:a9fe::", false},
		{"2002:c0a8:101::1", false},

		// Other special IPv6.
		{"2001::1", false}, // Teredo
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", false}, // Teredo
		{"2001:2::1", false},                            // benchmarking
		{"fec0::1", false},                              // site-local
		{"100::1", false},                               // discard
		{"5f00::1", false},                              // SRv6 SIDs
		{"4000::1", false},                              // outside 2000::/3
	}
	if len(tests) < 60 {
		t.Fatalf("table has %d entries, want at least 60", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			ip := netip.MustParseAddr(tt.addr)
			if got := Allowed(ip); got != tt.want {
				t.Errorf("Allowed(%s) = %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
}

func TestAllowedZeroAddr(t *testing.T) {
	t.Parallel()
	if Allowed(netip.Addr{}) {
		t.Error("Allowed(zero Addr) = true, want false")
	}
}
