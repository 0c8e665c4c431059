package cluster_test

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/fieldcrypt"
	"rdv/history"
	"rdv/postgres"
	"rdv/spool"
)

var (
	failoverRuns     = flag.Int("failover.runs", 1, "how many times TestFailover kills the primary at least (make failover: 5)")
	failoverClients  = flag.Int("failover.clients", 4, "how many patients book at once through TestFailover")
	failoverBookings = flag.Int("failover.bookings", 0, "TestFailover kills the primary again until at least this many bookings were acknowledged (make failover: 10000)")
)

// TestFailover runs the platform on PostgreSQL under pg_auto_failover (a
// primary and a synchronous standby, start.sh with
// RDV_CLUSTER_FAILOVER=1) and kills the primary's node, keeper and
// PostgreSQL at once with SIGKILL, as a machine lost, while patients
// book through the edge and file requests. Each time, it measures the
// failover: from the kill to the first booking acknowledged again. Then
// the lost node comes back as the standby, and the next run kills the
// other. Meanwhile search keeps answering from the instances' memory and
// requests are taken into their spool; afterwards an instance's index
// still follows the bookings made on another (the slot watcher found
// the new primary), and the checker finds every acknowledged booking and
// request in the database, none twice. -failover.runs sets how many
// failovers (make failover: 5, with their median and worst), and
// -failover.bookings how many bookings the runs must acknowledge at
// least: more failovers follow until they have.
func TestFailover(t *testing.T) {
	began := time.Now()
	c := startFailoverCluster(t)
	t.Logf("platform started in %.1f s", time.Since(began).Seconds())
	slots, sp := c.bookable(t)
	if len(slots) < 2000 {
		t.Fatalf("%d bookable slots: too few for the run", len(slots))
	}
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	p := newPatients(c.edge, t.TempDir(), *failoverClients, slots)
	var wg sync.WaitGroup
	var runErr error
	wg.Go(func() { runErr = p.run(ctx, 250*time.Millisecond) })
	searched := make(chan searchCount, 1)
	wg.Go(func() { searched <- c.searchUntil(ctx) })

	var took []time.Duration
	// Enough runs that the bookings they acknowledge reach the floor
	// asked, within a bound: a platform too slow for it fails the test
	// rather than run for ever.
	for run := 0; run < *failoverRuns || p.acknowledged() < *failoverBookings; run++ {
		if run >= 4*max(*failoverRuns, 1) {
			t.Fatalf("%d bookings acknowledged in %d runs, want %d", p.acknowledged(), run, *failoverBookings)
		}
		// Bookings go through before the blow.
		calm := time.Now()
		waitFor(t, time.Minute, "no booking acknowledged before the kill", func() bool {
			_, ok := p.firstBookedAfter(calm.Add(time.Second))
			return ok
		})
		node := c.primary(t)
		killed := c.kill(t, node)
		// A commit under way may still be confirmed for a few
		// milliseconds, while the node's processes die: the failover
		// ends with the first booking acknowledged after one failed.
		var down, back time.Time
		waitFor(t, 2*time.Minute, "no booking acknowledged two minutes after the primary was killed", func() bool {
			var ok bool
			if down, ok = p.firstUnsettledAfter(killed); ok {
				back, ok = p.firstBookedAfter(down)
			}
			return ok
		})
		took = append(took, back.Sub(killed))
		filed, ok := p.firstFiledAfter(down)
		if !ok || !filed.Before(back) {
			t.Errorf("run %d: no appointment request accepted while bookings could not be made", run+1)
		}
		t.Logf("run %d: %s killed; a booking refused after %.2f s, bookings acknowledged again after %.1f s",
			run+1, node, down.Sub(killed).Seconds(), back.Sub(killed).Seconds())
		// The lost node comes back as the standby, and the next run
		// kills the other.
		rejoin := time.Now()
		c.failover(t, "run", node)
		started := time.Since(rejoin)
		c.failover(t, "wait")
		t.Logf("run %d: %s started again in %.1f s, the synchronous standby again after %.1f s",
			run+1, node, started.Seconds(), time.Since(rejoin).Seconds())
	}
	stop()
	wg.Wait()
	if runErr != nil {
		t.Fatal(runErr)
	}
	if s := <-searched; s.failed > 0 {
		t.Errorf("%d of %d searches through the edge failed during the run, want none: %s", s.failed, s.total, s.first)
	}

	checked := time.Now()
	c.followsBookings(t)
	for i := range c.instances {
		c.waitReplayed(t, filepath.Join(c.dir, "spool", fmt.Sprintf("rdv%d.requests.spool", i+1)))
	}
	entries, err := p.entries()
	if err != nil {
		t.Fatal(err)
	}
	s := c.store(t)
	report, err := history.Check(t.Context(), entries, s, sp)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("checked in %.1f s: %s", time.Since(checked).Seconds(), report)
	if len(report.Anomalies) > 0 {
		t.Errorf("the checker found %d anomalies", len(report.Anomalies))
	}
	slices.Sort(took)
	t.Logf("failover (primary killed → bookings acknowledged again) over %d runs: median %.1f s, worst %.1f s; %d bookings acknowledged",
		len(took), took[len(took)/2].Seconds(), took[len(took)-1].Seconds(), p.acknowledged())
}

// failoverCluster is the platform on PostgreSQL under pg_auto_failover.
type failoverCluster struct {
	*cluster
	nodePort int // node1's; node2's is the next
}

// startFailoverCluster starts the platform as RDV_CLUSTER_FAILOVER=1
// make cluster does, on free ports, with the edge's rates raised: the
// failover, not the rates, is under test, and the instances' own
// limits as make cluster sets them. It skips the test on a
// machine without pg_auto_failover, except in CI.
func startFailoverCluster(t *testing.T) *failoverCluster {
	t.Helper()
	if _, err := exec.LookPath("pg_autoctl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must run the failover test: pg_autoctl is not installed (apt-get install postgresql-15-auto-failover)")
		}
		t.Skip("failover test skipped: pg_autoctl is not installed (apt-get install postgresql-15-auto-failover)")
	}
	monitor, nodes := freePorts(t, 1), freePorts(t, 2)
	c := startCluster(t, "RDV_CLUSTER_FAILOVER=1",
		fmt.Sprintf("RDV_CLUSTER_MONITOR_PORT=%d", monitor), fmt.Sprintf("RDV_CLUSTER_NODE_PORT=%d", nodes),
		"RDV_EDGE_CLIENT_RATE=1000", "RDV_EDGE_ADDRESS_RATE=5000", "RDV_CLUSTER_SERVE_ARGS=")
	c.db = fmt.Sprintf("postgres://postgres@127.0.0.1:%d,127.0.0.1:%d/rdv?target_session_attrs=read-write&connect_timeout=2&sslmode=disable", nodes, nodes+1)
	return &failoverCluster{cluster: c, nodePort: nodes}
}

// failover runs deploy/cluster/failover.sh with the cluster's
// environment.
func (c *failoverCluster) failover(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("./failover.sh", args...)
	cmd.Env = c.env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("failover.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// primary returns the node (node1, node2) that takes writes.
func (c *failoverCluster) primary(t *testing.T) string {
	t.Helper()
	for i := range 2 {
		url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/rdv?sslmode=disable&connect_timeout=2", c.nodePort+i)
		conn, err := pgx.Connect(t.Context(), url)
		if err != nil {
			continue
		}
		var primary bool
		err = conn.QueryRow(t.Context(), `SELECT NOT pg_is_in_recovery()`).Scan(&primary)
		_ = conn.Close(context.Background())
		if err == nil && primary {
			return fmt.Sprintf("node%d", i+1)
		}
	}
	t.Fatal("no node takes writes")
	return ""
}

// kill kills a node as a machine lost: its keeper and its PostgreSQL,
// the process group failover.sh started, with SIGKILL. PostgreSQL's
// backends leave as soon as they find their postmaster gone.
func (c *failoverCluster) kill(t *testing.T, node string) time.Time {
	t.Helper()
	pid := c.pid(t, "pgaf-"+node)
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill %s: %v", node, err)
	}
	return time.Now()
}

// bookable returns the public general consultations the patients may
// book, and the span of every slot of the network.
func (c *failoverCluster) bookable(t *testing.T) ([]int64, history.Span) {
	t.Helper()
	s := c.store(t)
	now := time.Now()
	var ids []int64
	var last time.Time
	err := s.ScanBookable(t.Context(), now, now, func(sl rdv.Slot) error {
		if sl.Audience == rdv.Public && sl.Service == rdv.General {
			ids = append(ids, sl.ID)
		}
		if sl.End.After(last) {
			last = sl.End
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids, history.Span{From: rdv.DateOf(now).Start(rdv.Toronto), To: last.Add(time.Hour)}
}

// store opens the cluster's database as the instances do (under
// pg_auto_failover, both nodes in one URL), with the data keys; it is
// closed when the test ends.
func (c *cluster) store(t *testing.T) *postgres.Store {
	t.Helper()
	keys, err := fieldcrypt.ReadFile(filepath.Join(c.dir, "keys", "data.keys"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := postgres.Open(t.Context(), c.db, postgres.Options{MaxConns: 4, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

type searchCount struct {
	total, failed int
	first         string // the first failure
}

// searchUntil searches through the edge ten times a second until ctx is
// done, and counts the answers that were not 200.
func (c *failoverCluster) searchUntil(ctx context.Context) searchCount {
	var n searchCount
	cl := client("127.0.5.1", nil)
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, "GET", c.edge+search, nil)
		res, err := cl.Do(req)
		if ctx.Err() != nil {
			break
		}
		n.total++
		msg := ""
		if err != nil {
			msg = err.Error()
		} else {
			if res.StatusCode != http.StatusOK {
				msg = res.Status
			}
			res.Body.Close()
		}
		if msg != "" {
			if n.failed == 0 {
				n.first = msg
			}
			n.failed++
		}
		pause(ctx, 100*time.Millisecond)
	}
	return n
}

// followsBookings books, through one instance, a slot another lists,
// and waits until the other no longer lists it: its slot watcher
// follows the new primary's change log.
func (c *failoverCluster) followsBookings(t *testing.T) {
	t.Helper()
	one, other := client("127.0.5.2", nil), client("127.0.5.3", nil)
	slot := slots(t, other, c.instances[1])[0]
	hold := do(t, one, "POST", c.instances[0]+"/api/v1/holds", fmt.Sprintf(`{"slot_id":%d}`, slot))
	if hold.status != http.StatusCreated {
		t.Fatalf("hold on rdv1: status %d\n%s", hold.status, hold.body)
	}
	booked := do(t, one, "POST", c.instances[0]+"/api/v1/appointments", fmt.Sprintf(`{"hold_id":%q,%s}`, field(hold.body, "hold_id"), patient))
	if booked.status != http.StatusCreated {
		t.Fatalf("booking on rdv1: status %d\n%s", booked.status, booked.body)
	}
	at := time.Now()
	waitFor(t, 10*time.Second, "rdv2 still lists a slot booked on rdv1", func() bool {
		return !slices.Contains(slots(t, other, c.instances[1]), slot)
	})
	t.Logf("a slot booked on rdv1 left rdv2's index %.2f s later", time.Since(at).Seconds())
}

// waitReplayed waits until an instance's spool has handed every request
// it took to the database.
func (c *failoverCluster) waitReplayed(t *testing.T, path string) {
	t.Helper()
	waitFor(t, time.Minute, path+": requests not replayed into the database", func() bool {
		n, err := spool.Unreplayed(path)
		if err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
}
