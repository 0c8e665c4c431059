package web

import (
	"fmt"
	"net/http"
	"testing"
)

// TestCodeAddressKey: the cap on codes per address counts an IPv6
// network by its /64, the block one subscriber holds, and an IPv4
// address (mapped or not) as it is.
func TestCodeAddressKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ addr, want string }{
		{"192.0.2.10", "192.0.2.10"},
		{"::ffff:192.0.2.10", "192.0.2.10"},
		{"2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"},
		{"2001:DB8:1:2:a:b:c:d", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"", ""},
		{"not an address", "not an address"},
	} {
		if got := codeAddressKey(tc.addr); got != tc.want {
			t.Errorf("codeAddressKey(%q) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}

// TestPatientSignInCapPerNetwork: the addresses of one IPv6 /64 share the
// cap on codes per address, however many of them ask; another /64 does
// not.
func TestPatientSignInCapPerNetwork(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	ask := func(i int, addr string) string {
		b := newBrowser(t, s)
		b.addr = addr
		return b.askCode(fmt.Sprintf("personne%d@exemple.ca", i)).want(t, http.StatusSeeOther).location(t)
	}
	for i := range maxCodesPerAddress {
		if loc := ask(i, fmt.Sprintf("[2001:db8:1:2::%x]:50000", i+1)); loc != patientCodePath {
			t.Fatalf("code %d from the /64 leads to %s", i+1, loc)
		}
	}
	if loc := ask(maxCodesPerAddress, "[2001:db8:1:2:ffff::1]:50000"); loc != patientSigninPath {
		t.Fatalf("a code too many from the /64, from a new address in it, leads to %s", loc)
	}
	if loc := ask(maxCodesPerAddress+1, "[2001:db8:1:3::1]:50000"); loc != patientCodePath {
		t.Fatalf("a code from another /64 leads to %s", loc)
	}
}
