package faults

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"rdv/history"
)

// TestSlowClients opens, on the embedded server, hundreds of connections
// that send nothing, others that send a request's header a line at a
// time, others that send a booking's body a byte at a time, and others
// that ask for the API's document again and again and never read the
// answers, while patients book: the patients keep being served, every
// booking gets its answer, and the server is still up. An attack that
// outlasts the server's ReadHeaderTimeout (the long run's) sees every
// silent connection closed by the server on time.
func TestSlowClients(t *testing.T) {
	dir := t.TempDir()
	p := sqlitePlatform(t, dir)
	in := newInstance(t, dir, "rdv", p.serveArgs()...)
	in.Start()
	lasts := 2 * time.Second
	if *long {
		lasts = 20 * time.Second
	}
	var windows []window
	var reaped []time.Duration
	out := fault{
		name:     fmt.Sprintf("slow and silent connections (%s at a time)", lasts),
		platform: p,
		targets:  []string{in.URL()},
		strike: func(ctx context.Context, blow func()) {
			every(ctx, killEvery()/2, func() {
				blow()
				a := slowAttack(t, in.addr, attackSize{silent: attackSilent, header: 100, body: 100, reader: 50})
				w := window{from: time.Now()}
				time.Sleep(lasts)
				w.to = time.Now()
				windows = append(windows, w)
				a.stop()
				reaped = append(reaped, a.reaped...)
				if !in.Alive() {
					t.Fatal("the server died of slow clients")
				}
			})
		},
		settle: func() {
			in.waitSpoolReplayed()
			in.Stop()
		},
	}.run(t)

	// While the slow connections were open, every booking got its answer,
	// in time.
	var took []time.Duration
	booked := 0
	for _, e := range out.entries {
		if e.Op != history.OpBook || !inWindows(windows, e.Sent) {
			continue
		}
		if e.Outcome.Status == 0 && !stoppedByRun(e) {
			t.Errorf("booking %s sent during the attack: no answer (%s)", e.Key, e.Outcome.Error)
		}
		if e.Outcome.Acked() {
			booked++
		}
		took = append(took, e.Answered.Sub(e.Sent))
	}
	if booked == 0 {
		t.Fatal("no booking acknowledged while the slow connections were open")
	}
	checkReaped(t, reaped, len(windows)*attackSilent, lasts)

	slices.Sort(took)
	p99 := took[len(took)*99/100]
	t.Logf("%d bookings acknowledged during the attacks; booking answered in %s at the 99th percentile, %s at worst", booked, p99, took[len(took)-1])
	if p99 > 2*time.Second {
		t.Errorf("bookings answered in %s at the 99th percentile during the attack, want 2 s at most", p99)
	}
}

// attackSilent is how many connections an attack opens that send
// nothing.
const attackSilent = 400

// readHeaderTimeout is rdv serve's http.Server.ReadHeaderTimeout: how
// long a connection may take to send a request's header, the first
// included, before the server hangs up on it.
const readHeaderTimeout = 5 * time.Second

// checkReaped checks that the server hung up on the attacks' silent
// connections (silent of them) once their header was late, neither before
// nor long after: when an attack lasts longer than readHeaderTimeout,
// every one was closed between it and 3 s after it.
func checkReaped(t *testing.T, reaped []time.Duration, silent int, lasts time.Duration) {
	t.Helper()
	if len(reaped) == 0 && lasts < readHeaderTimeout {
		return // the short run's attacks end first
	}
	slices.Sort(reaped)
	if lasts > readHeaderTimeout+3*time.Second && len(reaped) != silent {
		t.Errorf("the server hung up on %d of the %d silent connections, want all of them after %s", len(reaped), silent, readHeaderTimeout)
	}
	if len(reaped) == 0 {
		return
	}
	first, last := reaped[0], reaped[len(reaped)-1]
	t.Logf("silent connections closed by the server after %s at first, %s median, %s at worst", first.Round(time.Millisecond),
		reaped[len(reaped)/2].Round(time.Millisecond), last.Round(time.Millisecond))
	if first < readHeaderTimeout-100*time.Millisecond || last > readHeaderTimeout+3*time.Second {
		t.Errorf("silent connections closed after %s to %s, want %s to %s", first, last, readHeaderTimeout, readHeaderTimeout+3*time.Second)
	}
}

// attackSize is how many connections of each kind an attack opens.
type attackSize struct {
	silent int // connect, send nothing
	header int // a request's header, a line every 100 ms
	body   int // a booking's header, then its body a byte every 100 ms
	reader int // pipelined requests for the API's document, never read
}

type attack struct {
	conns []net.Conn
	done  chan struct{}
	wg    sync.WaitGroup

	mu     sync.Mutex
	reaped []time.Duration // how long each silent connection lived before the server closed it
}

// slowAttack opens the attack's connections to addr.
func slowAttack(t *testing.T, addr string, size attackSize) *attack {
	t.Helper()
	a := &attack{done: make(chan struct{})}
	dial := func() net.Conn {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			t.Fatalf("attack: %v", err)
		}
		a.conns = append(a.conns, c)
		return c
	}
	trickle := func(c net.Conn, first, then string) {
		_, _ = c.Write([]byte(first))
		a.wg.Go(func() {
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-a.done:
					return
				case <-tick.C:
					if _, err := c.Write([]byte(then)); err != nil {
						return // the server hung up on it
					}
				}
			}
		})
	}
	for range size.silent {
		c, opened := dial(), time.Now()
		a.wg.Go(func() {
			// The server hangs up on a connection that sent no header in
			// its ReadHeaderTimeout: Read returns then, or when stop
			// closes it.
			_, _ = c.Read(make([]byte, 1))
			lived := time.Since(opened)
			select {
			case <-a.done:
			default:
				a.mu.Lock()
				a.reaped = append(a.reaped, lived)
				a.mu.Unlock()
			}
		})
	}
	for i := range size.header {
		trickle(dial(), "GET /api/v1/clinics HTTP/1.1\r\nHost: rdv\r\n", fmt.Sprintf("X-Slow-%d: 1\r\n", i))
	}
	for range size.body {
		trickle(dial(), "POST /api/v1/holds HTTP/1.1\r\nHost: rdv\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", " ")
	}
	get := strings.Repeat("GET /api/v1/openapi.json HTTP/1.1\r\nHost: rdv\r\n\r\n", 30)
	for range size.reader {
		c := dial()
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(4096)
		}
		_, _ = c.Write([]byte(get))
	}
	return a
}

func (a *attack) stop() {
	close(a.done)
	for _, c := range a.conns {
		_ = c.Close()
	}
	a.wg.Wait()
}
