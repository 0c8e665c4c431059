package cluster_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"rdv"
)

// TestPlatformBehindTheEdge starts the platform as make cluster does
// (PostgreSQL, three rdv serve instances, HAProxy with the shipped
// configuration) and checks the edge's rules through it, each step from
// addresses of its own so that one's rate does not limit the next:
// search and booking; rdv seeing each client's own address; the
// per-client rate refused at the edge with rdv's page, unseen by the
// instances; the waiting room's lane; an instance killed, then one
// stopped under load, without a failed request; and the edge draining.
func TestPlatformBehindTheEdge(t *testing.T) {
	began := time.Now()
	c := startCluster(t)
	t.Logf("platform started in %.1f s", time.Since(began).Seconds())

	t.Run("search and booking", func(t *testing.T) {
		cl := client("127.0.0.2", nil)
		if a := do(t, cl, "GET", c.edge+"/", ""); a.status != http.StatusOK {
			t.Fatalf("home page: status %d", a.status)
		}
		ids := slots(t, cl, c.edge)
		hold := do(t, cl, "POST", c.edge+"/api/v1/holds", fmt.Sprintf(`{"slot_id":%d}`, ids[0]))
		if hold.status != http.StatusCreated {
			t.Fatalf("hold: status %d\n%s", hold.status, hold.body)
		}
		holdID := field(hold.body, "hold_id")
		booked := do(t, cl, "POST", c.edge+"/api/v1/appointments", fmt.Sprintf(`{"hold_id":%q,%s}`, holdID, patient))
		if booked.status != http.StatusCreated {
			t.Fatalf("booking: status %d\n%s", booked.status, booked.body)
		}
	})

	// rdv caps the live holds of a client without cookies by its address
	// (3): behind the edge it sees each client's own, from the
	// X-Forwarded-For entry HAProxy appends, not the edge's.
	t.Run("instances see the client's address", func(t *testing.T) {
		a, b := client("127.0.0.3", nil), client("127.0.0.4", nil)
		ids := slots(t, a, c.edge)
		for i := range 3 {
			if h := do(t, a, "POST", c.edge+"/api/v1/holds", fmt.Sprintf(`{"slot_id":%d}`, ids[10+i])); h.status != http.StatusCreated {
				t.Fatalf("hold %d: status %d\n%s", i, h.status, h.body)
			}
		}
		if h := do(t, a, "POST", c.edge+"/api/v1/holds", fmt.Sprintf(`{"slot_id":%d}`, ids[13])); h.status != http.StatusTooManyRequests {
			t.Fatalf("a fourth hold from one address: status %d, want 429\n%s", h.status, h.body)
		}
		if h := do(t, b, "POST", c.edge+"/api/v1/holds", fmt.Sprintf(`{"slot_id":%d}`, ids[14])); h.status != http.StatusCreated {
			t.Fatalf("a hold from another address: status %d, want 201 (is X-Forwarded-For read?)\n%s", h.status, h.body)
		}
	})

	t.Run("rate limit at the edge", func(t *testing.T) {
		cl := client("127.0.0.5", nil)
		before, sent := c.searches(t), c.served(t, "instances")
		ok, refused := 0, 0
		for range 40 {
			a := do(t, cl, "GET", c.edge+search, "")
			switch a.status {
			case http.StatusOK:
				ok++
			case http.StatusServiceUnavailable:
				refused++
				if a.header.Get("Retry-After") != "1" || !strings.Contains(a.body, "Trop de demandes") || !strings.Contains(a.body, "Too many requests") {
					t.Fatalf("refusal: Retry-After %q\n%s", a.header.Get("Retry-After"), a.body)
				}
			default:
				t.Fatalf("status %d\n%s", a.status, a.body)
			}
		}
		// 20 a second, measured over a sliding second: a client this
		// fast gets about 20 through, and never all 40.
		if ok < 15 || ok > 30 || refused == 0 {
			t.Errorf("%d answered and %d refused of 40 at once, want about 20 answered", ok, refused)
		}
		if seen, fwd := c.searches(t)-before, c.served(t, "instances")-sent; seen != ok || fwd != ok {
			t.Errorf("the instances saw %d searches and the edge sent them %d requests, want the %d answered only", seen, fwd, ok)
		}
	})

	t.Run("waiting room", func(t *testing.T) {
		// A visitor browsing before the room opens carries its pass.
		jar, _ := cookiejar.New(nil)
		inside, outside := client("127.0.0.6", jar), client("127.0.0.7", nil)
		if a := do(t, inside, "GET", c.edge+"/", ""); a.status != http.StatusOK {
			t.Fatalf("home page: status %d", a.status)
		}
		setRoom(t, c, true)
		waitFor(t, 5*time.Second, "the edge never saw the room open", func() bool { return c.roomOpen(t) })
		page := "/recherche?service=general&lieu=Montr%C3%A9al"
		lane, main := c.served(t, "waiting"), c.served(t, "instances")
		if a := do(t, outside, "GET", c.edge+page, ""); a.status != http.StatusServiceUnavailable || !strings.Contains(a.body, `id="place"`) {
			t.Errorf("a visitor without a pass: status %d, want the waiting page\n%.300s", a.status, a.body)
		}
		if a := do(t, inside, "GET", c.edge+page, ""); a.status != http.StatusOK {
			t.Errorf("a visitor with a pass: status %d, want 200", a.status)
		}
		if l, m := c.served(t, "waiting")-lane, c.served(t, "instances")-main; l != 1 || m != 1 {
			t.Errorf("the waiting lane took %d requests and the instances' %d, want one each", l, m)
		}
		setRoom(t, c, false)
		waitFor(t, 5*time.Second, "the edge never saw the room close", func() bool { return !c.roomOpen(t) })
		lane = c.served(t, "waiting")
		if a := do(t, outside, "GET", c.edge+page, ""); a.status != http.StatusOK || c.served(t, "waiting") != lane {
			t.Errorf("room closed, a visitor without a pass: status %d, through the waiting lane: %v", a.status, c.served(t, "waiting") != lane)
		}
	})

	t.Run("instance killed", func(t *testing.T) {
		c.signal(t, "rdv2", syscall.SIGKILL)
		failed := c.load(t, "127.0.1", 4, 1500*time.Millisecond, nil)
		if failed != "" {
			t.Errorf("requests failed after an instance was killed: %s", failed)
		}
		waitFor(t, 3*time.Second, "the edge still counts the killed instance up", func() bool {
			return strings.HasPrefix(c.stats(t)["instances/rdv2"]["status"], "DOWN")
		})
	})

	t.Run("SIGTERM drains an instance", func(t *testing.T) {
		failed := c.load(t, "127.0.2", 4, 2*time.Second, func() { c.signal(t, "rdv3", syscall.SIGTERM) })
		if failed != "" {
			t.Errorf("requests failed while an instance drained: %s", failed)
		}
		waitFor(t, 3*time.Second, "the edge still counts the stopped instance up", func() bool {
			return strings.HasPrefix(c.stats(t)["instances/rdv3"]["status"], "DOWN")
		})
	})

	// The edge's own 503 (no instance to send to, or its queue full or
	// timed out) is rdv's busy page: the last instance up is put in
	// maintenance, as an operator would on the admin socket (both its
	// servers: the one checked ready, and the one checked alive that
	// takes over when no instance is ready).
	t.Run("no instance up", func(t *testing.T) {
		c.admin(t, "set server instances/rdv1 state maint")
		c.admin(t, "set server alive/rdv1 state maint")
		a := do(t, client("127.0.0.8", nil), "GET", c.edge+search, "")
		c.admin(t, "set server alive/rdv1 state ready")
		c.admin(t, "set server instances/rdv1 state ready")
		if a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") != "2" ||
			!strings.Contains(a.body, "Service très sollicité") || !strings.Contains(a.body, "Service busy") {
			t.Errorf("status %d, Retry-After %q, want 503, 2 and the busy page\n%s", a.status, a.header.Get("Retry-After"), a.body)
		}
		waitFor(t, 3*time.Second, "the instance is not back", func() bool {
			return strings.HasPrefix(c.stats(t)["instances/rdv1"]["status"], "UP")
		})
		if a := do(t, client("127.0.0.8", nil), "GET", c.edge+search, ""); a.status != http.StatusOK {
			t.Errorf("back from maintenance: status %d", a.status)
		}
	})

	t.Run("the edge drains", func(t *testing.T) {
		c.edgeDrains(t)
	})
	t.Logf("whole test: %.1f s", time.Since(began).Seconds())
}

// field reads a string field of a JSON object without decoding it all.
func field(body, name string) string {
	_, rest, ok := strings.Cut(body, `"`+name+`":"`)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

// setRoom sets the operators' switch of the waiting room, in the
// database the instances share, as the operators' page does.
func setRoom(t *testing.T, c *cluster, open bool) {
	t.Helper()
	if err := c.store(t).SetModes(t.Context(), rdv.Modes{WaitingRoom: open, SetAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// roomOpen says whether the edge counts the waiting room open: fewer of
// the room backend's servers up than the instances'.
func (c *cluster) roomOpen(t *testing.T) bool {
	t.Helper()
	st := c.stats(t)
	up := func(backend string) int {
		n := 0
		for _, s := range []string{"rdv1", "rdv2", "rdv3"} {
			if strings.HasPrefix(st[backend+"/"+s]["status"], "UP") {
				n++
			}
		}
		return n
	}
	return up("room") < up("instances")
}

// load sends searches through the edge from n clients, each from its
// own address prefix.N and under its rate, for d, calling during (if
// not nil) a third of the way in; it returns the failures it saw, ""
// for none.
func (c *cluster) load(t *testing.T, prefix string, n int, d time.Duration, during func()) string {
	t.Helper()
	var mu sync.Mutex
	var failed []string
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	for i := range n {
		cl := client(fmt.Sprintf("%s.%d", prefix, i+1), nil)
		wg.Go(func() {
			for time.Now().Before(end) {
				res, err := cl.Get(c.edge + search)
				msg := ""
				if err != nil {
					msg = err.Error()
				} else {
					if res.StatusCode != http.StatusOK {
						msg = res.Status
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				if msg != "" {
					mu.Lock()
					failed = append(failed, msg)
					mu.Unlock()
				}
				time.Sleep(80 * time.Millisecond) // under 20 a second
			}
		})
	}
	if during != nil {
		time.Sleep(d / 3)
		during()
	}
	wg.Wait()
	if len(failed) == 0 {
		return ""
	}
	return fmt.Sprintf("%d: %s", len(failed), strings.Join(failed[:min(5, len(failed))], "; "))
}

// edgeDrains stops HAProxy as stop.sh does (SIGUSR1) while a request is
// half sent: during grace the edge still takes new connections, then it
// takes none, the request in flight is answered all the same, and the
// process leaves.
func (c *cluster) edgeDrains(t *testing.T) {
	t.Helper()
	addr := strings.TrimPrefix(c.edge, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"slot_id":1}`
	if _, err := fmt.Fprintf(conn, "POST /api/v1/holds HTTP/1.1\r\nHost: edge\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:5]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	pid := c.signal(t, "haproxy", syscall.SIGUSR1)
	stopped := time.Now()
	// Within grace (1 s), new connections are still taken.
	if a := do(t, client("127.0.3.1", nil), "GET", c.edge+"/healthz", ""); a.status != http.StatusOK {
		t.Errorf("during grace: status %d", a.status)
	}
	waitFor(t, 3*time.Second, "the edge still takes connections after grace", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	// The request in flight finishes.
	if _, err := conn.Write([]byte(body[5:])); err != nil {
		t.Fatalf("the rest of the request in flight: %v", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight during the stop: %v", err)
	}
	res.Body.Close()
	if res.StatusCode >= 500 {
		t.Errorf("the request in flight during the stop: %s", res.Status)
	}
	waitFor(t, 5*time.Second, "HAProxy did not leave after draining", func() bool {
		return gone(pid)
	})
	t.Logf("the edge drained and left %.1f s after SIGUSR1; the request in flight: %s", time.Since(stopped).Seconds(), res.Status)
}
