package admission

import (
	"net/http/httptest"
	"testing"
)

func TestClientAddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		remote string
		xff    []string
		trust  bool
		want   string
	}{
		{"peer without a proxy", "198.51.100.9:5000", nil, false, "198.51.100.9"},
		{"header ignored unless trusted", "198.51.100.9:5000", []string{"203.0.113.7"}, false, "198.51.100.9"},
		{"trusted: the entry the proxy appended", "10.0.0.2:5000", []string{"203.0.113.7"}, true, "203.0.113.7"},
		{"trusted: client-sent entries on the left are never read", "10.0.0.2:5000", []string{"1.2.3.4, 203.0.113.7"}, true, "203.0.113.7"},
		{"trusted: the last of several header lines", "10.0.0.2:5000", []string{"1.2.3.4", "5.6.7.8,203.0.113.8"}, true, "203.0.113.8"},
		{"trusted: an entry with a port", "10.0.0.2:5000", []string{"203.0.113.7:4711"}, true, "203.0.113.7"},
		{"trusted: IPv6 with a port", "10.0.0.2:5000", []string{"[2001:db8::1]:443"}, true, "2001:db8::1"},
		{"trusted: IPv4 in IPv6 is the IPv4 client", "10.0.0.2:5000", []string{"::ffff:203.0.113.7"}, true, "203.0.113.7"},
		{"trusted: not an address falls back to the peer", "10.0.0.2:5000", []string{"203.0.113.7, unknown"}, true, "10.0.0.2"},
		{"trusted: no header is the peer", "10.0.0.2:5000", nil, true, "10.0.0.2"},
		{"peer without a port", "10.0.0.2", nil, false, "10.0.0.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ClientAddr(r, tt.trust); got != tt.want {
				t.Errorf("ClientAddr = %q, want %q", got, tt.want)
			}
		})
	}
}
