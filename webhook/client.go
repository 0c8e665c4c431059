package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// requestTimeout bounds one attempt, from connecting to the endpoint's
// answer.
const requestTimeout = 10 * time.Second

// errPrivateAddress refuses a connection to an address that is not on
// the public internet.
var errPrivateAddress = errors.New("the endpoint's address is not public")

// SafeClient is the HTTP client of the deliveries: it connects only to
// public addresses, whatever the endpoint's name resolves to when it
// connects (an admin could otherwise make the platform call its own
// network: the database, the metadata service of a cloud), and follows no
// redirect (a 3xx is a failed attempt).
func SafeClient() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: refusePrivate}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = d.DialContext
	t.MaxIdleConnsPerHost = 4
	return &http.Client{Transport: t, Timeout: requestTimeout, CheckRedirect: noRedirect}
}

// noRedirect answers a redirect with the redirect itself.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// refusePrivate is a dialer's check of the address it is about to
// connect to, after the name was resolved.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", errPrivateAddress, address)
	}
	if !Public(ap.Addr()) {
		return fmt.Errorf("%w: %s", errPrivateAddress, ap.Addr())
	}
	return nil
}

// Public reports whether an address is on the public internet: not
// loopback, private, link-local, shared (100.64/10), unspecified or
// multicast.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	shared := netip.MustParsePrefix("100.64.0.0/10")
	return a.IsGlobalUnicast() && !a.IsPrivate() && !a.IsLoopback() && !a.IsLinkLocalUnicast() && !shared.Contains(a)
}
