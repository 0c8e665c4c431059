package faults

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"rdv"
	"rdv/fieldcrypt"
	"rdv/history"
	"rdv/postgres"
	"rdv/spool"
)

// TestKillClusterInstances is TestKillPostgresInstances on the
// production-shaped platform that make cluster starts (deploy/cluster:
// the demo network on a PostgreSQL of its own, three instances with
// their keys apart, HAProxy in front): the patients' clients, each from
// an address of its own, book through the edge while the instances are
// killed one after another and started again as start.sh started them.
// The edge sends a connection refused to another instance; a write whose
// instance died under it gets no answer, and its client sends it again.
// It runs in make faults' long run only: the cluster takes ten seconds
// to start, more than a short fault's whole run.
func TestKillClusterInstances(t *testing.T) {
	if !*long {
		t.Skip("the cluster's run is make faults' (-faults.long): the cluster alone takes ten seconds to start")
	}
	c := startCluster(t)
	next := 0
	fault{
		name:     "SIGKILL, 3 instances on PostgreSQL behind HAProxy (make cluster)",
		platform: c.platform(t),
		targets:  []string{c.edge},
		strike: func(ctx context.Context, blow func()) {
			every(ctx, killEvery(), func() {
				blow()
				c.restart(t, next%3+1)
				next++
			})
		},
		settle: func() {
			for i := 1; i <= 3; i++ {
				waitReplayed(t, filepath.Join(c.dir, "spool", fmt.Sprintf("rdv%d.requests.spool", i)))
			}
		},
	}.run(t)
}

// cluster is the platform start.sh started in a temporary state
// directory, on free loopback ports.
type cluster struct {
	dir  string
	edge string // the platform's URL
}

// startCluster starts the platform with deploy/cluster/start.sh, as make
// cluster does (one week of slots), with the edge's rates per client and
// per address raised: the faults, not the rates, are under test. It stops
// it with stop.sh when the test ends. A machine without what the
// platform runs skips the test, except in CI.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	for _, p := range []string{"haproxy", "curl", "runuser"} {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("CI must run the cluster's faults: %s is not installed", p)
			}
			t.Skipf("%s is not installed: the cluster's faults need it", p)
		}
	}
	// Not t.TempDir: PostgreSQL runs as its own OS user, which must walk
	// through to the state directory's pg/.
	dir, err := os.MkdirTemp("", "rdv-faults-cluster-")
	if err != nil {
		t.Fatal(err)
	}
	ports := func() int { return freePort(t) }
	edge, first, metrics, stats, pg := ports(), 0, 0, ports(), ports()
	// start.sh numbers the instances' ports from the first: three free
	// ones in a row.
	for first == 0 || !free(first+1) || !free(first+2) {
		first = ports()
	}
	for metrics == 0 || !free(metrics+1) || !free(metrics+2) {
		metrics = ports()
	}
	env := append(os.Environ(), "RDV_CLUSTER_DIR="+dir, "RDV_BIN="+rdvBinary(t), "RDV_CLUSTER_WEEKS=1",
		fmt.Sprintf("RDV_CLUSTER_EDGE_PORT=%d", edge), fmt.Sprintf("RDV_CLUSTER_PORT=%d", first),
		fmt.Sprintf("RDV_CLUSTER_METRICS_PORT=%d", metrics), fmt.Sprintf("RDV_CLUSTER_STATS_PORT=%d", stats),
		fmt.Sprintf("RDV_CLUSTER_PG_PORT=%d", pg), "RDV_EDGE_CLIENT_RATE=1000", "RDV_EDGE_ADDRESS_RATE=5000")
	c := &cluster{dir: dir, edge: fmt.Sprintf("http://127.0.0.1:%d", edge)}
	t.Cleanup(func() {
		stop := exec.Command("../deploy/cluster/stop.sh")
		stop.Env = env
		if out, err := stop.CombinedOutput(); err != nil {
			t.Errorf("stop.sh: %v\n%s", err, out)
		}
		if t.Failed() {
			t.Logf("the cluster's files are kept in %s", dir)
			return
		}
		_ = os.RemoveAll(dir)
	})
	start := exec.Command("../deploy/cluster/start.sh")
	start.Env = env
	if out, err := start.CombinedOutput(); err != nil {
		t.Fatalf("start.sh: %v\n%s", err, out)
	}
	return c
}

// free reports whether a loopback port is free.
func free(port int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

// platform is the cluster's database as the checker reads it: every
// public general consultation of the demo's week is a slot the clients
// may book.
func (c *cluster) platform(t *testing.T) *platform {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(c.dir, "keys", "data.keys"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := fieldcrypt.Parse(string(text))
	if err != nil {
		t.Fatal(err)
	}
	// The database as the instances reach it (a failover's URL names
	// several hosts): the first instance's --db.
	argv, err := procStrings(c.pid(t, "rdv1"), "cmdline")
	if i := slices.Index(argv, "--db"); err != nil || i < 0 || i+1 == len(argv) {
		t.Fatalf("rdv1's --db: %v %q", err, argv)
	}
	p := &platform{db: argv[slices.Index(argv, "--db")+1], keys: keys}
	p.open = func(ctx context.Context) (rdv.Store, error) {
		return postgres.Open(ctx, p.db, postgres.Options{MaxConns: 4, Keys: p.keys})
	}
	s, err := p.open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	var last time.Time
	err = s.ScanBookable(t.Context(), now, now, func(sl rdv.Slot) error {
		if sl.Audience == rdv.Public && sl.Service == rdv.General {
			p.net.slots = append(p.net.slots, sl.ID)
		}
		if sl.End.After(last) {
			last = sl.End
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p.net.span = history.Span{From: rdv.DateOf(now).Start(rdv.Toronto), To: last.Add(time.Hour)}
	return p
}

// restart kills instance i (rdv1, rdv2, rdv3) with SIGKILL and starts it
// again with the command line and the environment start.sh gave it,
// then waits until it is ready.
func (c *cluster) restart(t *testing.T, i int) {
	t.Helper()
	name := fmt.Sprintf("rdv%d", i)
	pid := c.pid(t, name)
	argv, err1 := procStrings(pid, "cmdline")
	env, err2 := procStrings(pid, "environ")
	if err1 != nil || err2 != nil || len(argv) < 2 {
		t.Fatalf("%s's command line: %v %v", name, err1, err2)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill %s: %v", name, err)
	}
	for !gone(pid) {
		time.Sleep(5 * time.Millisecond)
	}
	logf, err := os.OpenFile(filepath.Join(c.dir, "log", name+".log"), os.O_APPEND|os.O_WRONLY, 0) // #nosec G304 -- the cluster's own log
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(argv[0], argv[1:]...) // #nosec G204 -- the command start.sh ran
	cmd.Env, cmd.Stdout, cmd.Stderr = env, logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s again: %v", name, err)
	}
	go func() { _ = cmd.Wait() }() // stop.sh stops it; this process reaps it
	if err := os.WriteFile(filepath.Join(c.dir, "run", name+".pid"), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := argv[slices.Index(argv, "--addr")+1]
	for end := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		res, err := http.Get("http://" + addr + "/readyz") // #nosec G107 -- the cluster's own instance
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(end) {
			t.Fatalf("%s not ready a minute after its restart", name)
		}
	}
}

// pid returns the process id start.sh recorded for name.
func (c *cluster) pid(t *testing.T, name string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, "run", name+".pid")) // #nosec G304 -- the cluster's own pid file
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// procStrings reads a NUL-separated file of /proc/pid.
func procStrings(pid int, file string) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
	if err != nil {
		return nil, err
	}
	return strings.Split(string(bytes.TrimRight(b, "\x00")), "\x00"), nil
}

// gone reports whether process pid has left: it is not there, or it is
// a zombie nobody reaped yet (start.sh's processes outlive it).
func gone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return strings.HasPrefix(rest, "Z")
}

// waitReplayed waits until a spool's requests are all in the store.
func waitReplayed(t testing.TB, path string) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		n, err := spool.Unreplayed(path)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%s: %d requests not replayed after 30 s", path, n)
		}
	}
}
