package admission

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientAddr returns the address a request comes from: the connection's
// peer, or, with trustForwardedFor, the right-most X-Forwarded-For entry.
// Only the peer (our own proxy) is trusted, and the right-most entry is
// the one it appended; entries further left are whatever the client chose
// to send, so they are never read. A right-most entry that is not an
// address (a proxy that wrote "unknown") counts as none, and the peer
// stands for the client.
//
// It is the one answer to "who is this client" for admission control,
// the ceiling on live holds per address and the sign-in throttles: were
// they to disagree, a client behind the proxy would be one person to one
// rule and everybody to another.
func ClientAddr(r *http.Request, trustForwardedFor bool) string {
	if trustForwardedFor {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if a, ok := parseAddr(strings.TrimSpace(last)); ok {
				return a
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// parseAddr reads an X-Forwarded-For entry: an address, with or without a
// port ("203.0.113.7:4711", "[2001:db8::1]:443"). It returns the address
// in its canonical form, so that one client has one key however its
// address was spelled.
func parseAddr(s string) (string, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone("").String(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone("").String(), true
	}
	return "", false
}

// TrustForwardedFor reports whether c reads client addresses from
// X-Forwarded-For: whatever else keys on the client's address (the
// ceiling on live holds, the sign-in throttles) must read it the same
// way.
func (c *Controller) TrustForwardedFor() bool { return c.cfg.TrustForwardedFor }
