package egress

import (
	"net/netip"
	"testing"
)

func TestParseHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host     string
		wantHost string
		wantIP   string
		wantKind hostKind
	}{
		{"hooks.example.com", "hooks.example.com", "", hostName},
		{"Hooks.Example.COM.", "hooks.example.com", "", hostName},
		{"my_host.example.com", "my_host.example.com", "", hostName},
		{"123.example.com", "123.example.com", "", hostName},
		{"example.0x", "", "", hostInvalid}, // "0x" is a number (zero) by WHATWG rules
		{"127.0.0.1", "127.0.0.1", "127.0.0.1", hostIP},
		{"8.8.8.8", "8.8.8.8", "8.8.8.8", hostIP},
		{"::1", "::1", "::1", hostIP},
		{"0:0:0:0:0:ffff:7f00:1", "0:0:0:0:0:ffff:7f00:1", "::ffff:127.0.0.1", hostIP},
		{"127.1", "127.1", "127.0.0.1", hostOddIP},
		{"127.0.1", "127.0.1", "127.0.0.1", hostOddIP},
		{"2130706433", "2130706433", "127.0.0.1", hostOddIP},
		{"0x7f000001", "0x7f000001", "127.0.0.1", hostOddIP},
		{"0X7F000001", "0x7f000001", "127.0.0.1", hostOddIP},
		{"017700000001", "017700000001", "127.0.0.1", hostOddIP},
		{"0177.0.0.1", "0177.0.0.1", "127.0.0.1", hostOddIP},
		{"0x7f.1", "0x7f.1", "127.0.0.1", hostOddIP},
		{"0x7f.0.0.1", "0x7f.0.0.1", "127.0.0.1", hostOddIP},
		{"127.000.000.001", "127.000.000.001", "127.0.0.1", hostOddIP},
		{"127.0.0.1.", "127.0.0.1.", "127.0.0.1", hostOddIP},
		{"0", "0", "0.0.0.0", hostOddIP},
		{"0x", "0x", "0.0.0.0", hostOddIP},
		{"0xa9fea9fe", "0xa9fea9fe", "169.254.169.254", hostOddIP},
		{"134744072", "134744072", "8.8.8.8", hostOddIP},
		{"0x00000000000000007f000001", "0x00000000000000007f000001", "127.0.0.1", hostOddIP},
		{"1.2.3.09", "", "", hostInvalid},   // 09 is not octal
		{"1.2.3.4.5", "", "", hostInvalid},  // too many parts
		{"256.0.0.1", "", "", hostInvalid},  // part too big
		{"1.2.3.256", "", "", hostInvalid},  // last part too big
		{"1.2.65536", "", "", hostInvalid},  // last part too big for two bytes
		{"4294967296", "", "", hostInvalid}, // 2^32
		{"99999999999999999999", "", "", hostInvalid},
		{"1..1", "", "", hostInvalid},
		{"", "", "", hostInvalid},
		{".", "", "", hostInvalid},
		{"a..b", "", "", hostInvalid},
		{"ｌｏｃａｌｈｏｓｔ", "", "", hostInvalid},
		{"１２７.０.０.１", "", "", hostInvalid},
		{"bücher.de", "", "", hostInvalid},
		{"a b", "", "", hostInvalid},
		{"::zz", "", "", hostInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			t.Parallel()
			host, ip, kind := parseHost(tt.host)
			if kind != tt.wantKind {
				t.Fatalf("parseHost(%q) kind = %d, want %d", tt.host, kind, tt.wantKind)
			}
			if host != tt.wantHost {
				t.Errorf("parseHost(%q) host = %q, want %q", tt.host, host, tt.wantHost)
			}
			var want netip.Addr
			if tt.wantIP != "" {
				want = netip.MustParseAddr(tt.wantIP)
			}
			if ip != want {
				t.Errorf("parseHost(%q) ip = %v, want %v", tt.host, ip, want)
			}
		})
	}
}
