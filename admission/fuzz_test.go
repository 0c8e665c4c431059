package admission

import (
	"net/netip"
	"testing"
)

// FuzzParseAddr: an X-Forwarded-For entry is an address in one canonical
// spelling, so that one client has one key, or it is not taken.
func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"203.0.113.7", "203.0.113.7:4711", "[2001:db8::1]:443", "2001:DB8::1", "::ffff:203.0.113.7", "fe80::1%eth0", "[fe80::1%eth0]:80", "203.0.113.07", "unknown", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := parseAddr(s)
		if !ok {
			return
		}
		ip, err := netip.ParseAddr(a)
		if err != nil || ip.Zone() != "" || ip.Is4In6() {
			t.Fatalf("%q read as %q", s, a)
		}
		if again, ok := parseAddr(a); !ok || again != a {
			t.Fatalf("%q read as %q, then as %q", s, a, again)
		}
	})
}
