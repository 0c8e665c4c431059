package flood

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// The recovery is the start of the first second at full goodput after the
// flood stopped, searched finely: a platform that never faltered
// recovers at 0, one that answers nothing for a while later, one that
// never comes back not at all.
func TestRecoveryTime(t *testing.T) {
	stop := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	// answers spreads n answers a second, evenly, over [from, to) seconds
	// after stop.
	answers := func(n int, from, to float64) []time.Time {
		var ts []time.Time
		for s := from; s < to; s += 1 / float64(n) {
			ts = append(ts, stop.Add(time.Duration(s*float64(time.Second))))
		}
		return ts
	}
	tests := []struct {
		name     string
		answered []time.Time
		want     float64
	}{
		{"at once", answers(100, 0, 10), 0},
		{"silent for 2.5 s", answers(100, 2.5, 10), 2.5},
		// The window that starts 0.2 s early already holds 90 answers.
		{"half speed, then full from 3 s", append(answers(50, 0, 3), answers(100, 3, 10)...), 2.8},
		{"never at full speed", answers(80, 0, 10), -1},
		{"full only after the probe", answers(100, 9.5, 12), -1},
		{"nothing", nil, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := recoveryTime(stop, tt.answered, 90, 10*time.Second)
			if got < tt.want-0.11 || got > tt.want+0.11 || (tt.want < 0) != (got < 0) {
				t.Errorf("recovery %.2f s, want %.1f s", got, tt.want)
			}
		})
	}
	if got := perSecond(stop, answers(100, 2.5, 10), 4*time.Second); len(got) != 4 || got[0] != 0 || got[2] < 49 || got[2] > 51 || got[3] < 99 || got[3] > 101 {
		t.Errorf("goodput by second %v, want [0 0 50 100]", got)
	}
}

// The probe follows the overload and is in the summary; a server that
// keeps up recovers at once.
func TestRecoveryProbe(t *testing.T) {
	srv := newFakeServer(t, 64, time.Millisecond, nil)
	s, raw := runMain(t, "--target", srv.URL, "--duration", "1s", "--overload", "2", "--capacity", "100", "--recovery", "2s", "--json")
	rec := s.Recovery
	if rec == nil {
		t.Fatalf("no recovery in the summary: %s", raw)
	}
	if rec.ProbeRPS != 100 || len(rec.GoodputRPS) != 2 {
		t.Errorf("probe at %v req/s for %d s, want capacity (100) for 2 s", rec.ProbeRPS, len(rec.GoodputRPS))
	}
	if rec.Seconds < 0 || rec.Seconds > 0.5 {
		t.Errorf("a server that keeps up recovered after %v s, want at once", rec.Seconds)
	}
	s, _ = runMain(t, "--target", srv.URL, "--duration", "500ms", "--overload", "1", "--capacity", "50", "--recovery", "0", "--json")
	if s.Recovery != nil {
		t.Errorf("--recovery 0 probed: %+v", s.Recovery)
	}
}

// Consecutive requests come from different loopback addresses, taking
// turns, however the connections are reused: an edge limiting each
// address sees a crowd.
func TestClientSpreadsSourceAddresses(t *testing.T) {
	var (
		mu   sync.Mutex
		from = map[string]int{}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		mu.Lock()
		from[host]++
		mu.Unlock()
	}))
	defer srv.Close()
	c := newClient(srv.URL, 5*time.Second)
	defer c.CloseIdleConnections()
	const n = 2 * sourceAddresses
	for range n {
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	if len(from) == 1 {
		t.Skip("this system does not bind loopback addresses other than 127.0.0.1")
	}
	if len(from) != sourceAddresses {
		t.Errorf("%d requests came from %d addresses, want %d", n, len(from), sourceAddresses)
	}
	for host, k := range from {
		if k != 2 {
			t.Errorf("%s sent %d of %d requests, want the addresses taking turns", host, k, n)
		}
	}
}

// A ramp that ends on a plateau takes its median, not its luckiest step:
// the steps of a run through the edge, where one 2-s step ran 35 % above
// what the platform then sustained for 4 s at that rate (565/s).
func TestCapacityIsThePlateausMedian(t *testing.T) {
	goods := []float64{100, 150, 225, 338, 336, 506, 640, 715, 766, 464}
	if got := plateau(goods, 4, 766); got != 573 {
		t.Errorf("capacity %v, want the plateau's median 573", got)
	}
	if got := plateau(goods[:6], 4, 506); got != 506 {
		t.Errorf("two steps on the plateau: capacity %v, want the best step 506", got)
	}
	if got := plateau(goods, -1, 766); got != 766 {
		t.Errorf("no plateau: capacity %v, want the best step", got)
	}
}
