package cluster_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cluster is a platform started by start.sh in a temporary state
// directory, on free loopback ports.
type cluster struct {
	dir       string
	edge      string // the platform's URL
	db        string // its database
	metrics   []string
	instances []string // the instances' URLs, behind the edge
	env       []string // start.sh's environment
}

// startCluster builds rdv, starts the platform with start.sh as make
// cluster does (one week of slots, to be quick), with more of its
// environment in extra, and stops it with stop.sh when the test ends.
// It skips the test when this machine lacks a program the platform
// needs, except in CI, where .ci/run installs them.
func startCluster(t *testing.T, extra ...string) *cluster {
	t.Helper()
	if err := available(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must run the cluster's test: %v", err)
		}
		t.Skipf("cluster test skipped: %v", err)
	}
	// Not t.TempDir: PostgreSQL runs as its own OS user, which must walk
	// through to the state directory's pg/.
	dir, err := os.MkdirTemp("", "rdv-cluster-")
	if err != nil {
		t.Fatal(err)
	}
	rdv := filepath.Join(dir, "bin", "rdv")
	build := exec.Command("go", "build", "-o", rdv, "rdv/cmd/rdv") // #nosec G204 -- the test builds the repository's own binary
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ports := func(n int) int { return freePorts(t, n) }
	edge, first, metrics, stats, pg := ports(1), ports(3), ports(3), ports(1), ports(1)
	env := append(os.Environ(), "RDV_CLUSTER_DIR="+dir, "RDV_BIN="+rdv, "RDV_CLUSTER_WEEKS=1",
		fmt.Sprintf("RDV_CLUSTER_EDGE_PORT=%d", edge), fmt.Sprintf("RDV_CLUSTER_PORT=%d", first),
		fmt.Sprintf("RDV_CLUSTER_METRICS_PORT=%d", metrics), fmt.Sprintf("RDV_CLUSTER_STATS_PORT=%d", stats),
		fmt.Sprintf("RDV_CLUSTER_PG_PORT=%d", pg),
		// Few live holds per address, so that a test can show which
		// address rdv sees.
		"RDV_CLUSTER_SERVE_ARGS=--max-live-holds-per-address 3")
	env = append(env, extra...)
	c := &cluster{dir: dir, edge: fmt.Sprintf("http://127.0.0.1:%d", edge),
		db: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/rdv?sslmode=disable", pg), env: env}
	for i := range 3 {
		c.metrics = append(c.metrics, fmt.Sprintf("http://127.0.0.1:%d/metrics", metrics+i))
		c.instances = append(c.instances, fmt.Sprintf("http://127.0.0.1:%d", first+i))
	}
	t.Cleanup(func() {
		stop := exec.Command("./stop.sh")
		stop.Env = env
		if out, err := stop.CombinedOutput(); err != nil {
			t.Errorf("stop.sh: %v\n%s", err, out)
		}
		if t.Failed() {
			c.showLogs(t)
			t.Logf("the cluster's files are kept in %s", dir)
			return
		}
		_ = os.RemoveAll(dir)
	})
	start := exec.Command("./start.sh")
	start.Env = env
	out, err := start.CombinedOutput()
	if err != nil {
		t.Fatalf("start.sh: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), c.edge) || !strings.Contains(string(out), "make cluster-stop") {
		t.Errorf("start.sh does not say where the platform is and how to stop it:\n%s", out)
	}
	return c
}

// available returns nil when this machine has what start.sh runs.
func available() error {
	for _, p := range []string{"haproxy", "curl", "go"} {
		if _, err := exec.LookPath(p); err != nil {
			return fmt.Errorf("%s is not installed", p)
		}
	}
	if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb"); len(m) == 0 {
		return fmt.Errorf("PostgreSQL's server programs are not installed (apt-get install postgresql)")
	}
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("runuser"); err != nil {
			return fmt.Errorf("runuser is needed to run PostgreSQL as its own user")
		}
		if err := exec.Command("id", "postgres").Run(); err != nil {
			return fmt.Errorf("no postgres OS user to run PostgreSQL as")
		}
	}
	return nil
}

// freePorts returns the first of n consecutive ports free on loopback.
func freePorts(t *testing.T, n int) int {
	t.Helper()
	for range 100 {
		base := 20000 + rand.IntN(30000) // #nosec G404 -- a port, not a secret
		var ls []net.Listener
		for i := range n {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+i))
			if err != nil {
				break
			}
			ls = append(ls, l)
		}
		for _, l := range ls {
			_ = l.Close()
		}
		if len(ls) == n {
			return base
		}
	}
	t.Fatal("no free ports")
	return 0
}

func (c *cluster) showLogs(t *testing.T) {
	logs, _ := filepath.Glob(filepath.Join(c.dir, "log", "*.log"))
	for _, l := range logs {
		b, _ := os.ReadFile(l) // #nosec G304 -- the cluster's own logs
		if len(b) > 3000 {
			b = b[len(b)-3000:]
		}
		t.Logf("%s:\n%s", filepath.Base(l), b)
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

// gone reports whether process pid has left: it is not there, or it is
// a zombie its new parent has not reaped yet (start.sh's processes
// outlive it).
func gone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return strings.HasPrefix(rest, "Z")
}

func (c *cluster) signal(t *testing.T, name string, sig syscall.Signal) int {
	t.Helper()
	pid := c.pid(t, name)
	if err := syscall.Kill(pid, sig); err != nil {
		t.Fatalf("signal %s: %v", name, err)
	}
	return pid
}

// admin runs a command on HAProxy's admin socket and returns its answer.
func (c *cluster) admin(t *testing.T, command string) []byte {
	t.Helper()
	conn, err := net.Dial("unix", filepath.Join(c.dir, "run", "admin.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(command + "\n")); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stats returns HAProxy's counters by "proxy/server" (server BACKEND
// for a backend's totals), read on its admin socket.
func (c *cluster) stats(t *testing.T) map[string]map[string]string {
	t.Helper()
	b := c.admin(t, "show stat")
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("# ")))).ReadAll()
	if err != nil || len(records) < 2 {
		t.Fatalf("show stat: %v\n%s", err, b)
	}
	out := map[string]map[string]string{}
	for _, r := range records[1:] {
		row := map[string]string{}
		for i, name := range records[0] {
			if i < len(r) {
				row[name] = r[i]
			}
		}
		out[r[0]+"/"+r[1]] = row
	}
	return out
}

// served is how many requests HAProxy sent to a backend.
func (c *cluster) served(t *testing.T, backend string) int {
	t.Helper()
	n, _ := strconv.Atoi(c.stats(t)[backend+"/BACKEND"]["stot"])
	return n
}

// waitFor polls cond every 100 ms for up to d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("after %s: %s", d, what)
		}
	}
}

// searches sums the search requests the instances' admission control
// saw, whatever it did with them.
func (c *cluster) searches(t *testing.T) int {
	t.Helper()
	n := 0
	for _, url := range c.metrics {
		res, err := http.Get(url) // #nosec G107 -- the cluster's own metrics
		if err != nil {
			continue // an instance stopped by an earlier step
		}
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, `rdv_admission_requests_total{class="search"`) {
				f := strings.Fields(line)
				v, _ := strconv.ParseFloat(f[len(f)-1], 64)
				n += int(v)
			}
		}
		res.Body.Close()
	}
	return n
}

// client returns an HTTP client whose connections come from addr, a
// loopback address of its own (127.0.0.0/8): to the edge, another
// person.
func client(addr string, jar http.CookieJar) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(addr)}, Timeout: 5 * time.Second}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 4}}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, c *http.Client, method, url, body string) answer {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return answer{res.StatusCode, res.Header, string(b)}
}

const search = "/api/v1/slots?place=Montr%C3%A9al&radius_km=250&service=general&limit=50"

// slots returns bookable slots' ids found through the edge.
func slots(t *testing.T, c *http.Client, base string) []int64 {
	t.Helper()
	a := do(t, c, "GET", base+search, "")
	if a.status != http.StatusOK {
		t.Fatalf("search: status %d\n%s", a.status, a.body)
	}
	var found struct {
		Slots []struct {
			ID int64 `json:"id"`
		} `json:"slots"`
	}
	if err := json.Unmarshal([]byte(a.body), &found); err != nil || len(found.Slots) < 10 {
		t.Fatalf("search: %v, %d slots\n%s", err, len(found.Slots), a.body)
	}
	var ids []int64
	for _, s := range found.Slots {
		ids = append(ids, s.ID)
	}
	return ids
}

const patient = `"patient":{"first_name":"Léa","last_name":"Tremblay","birth_date":"1985-04-07","health_number":"TREL85540712","phone":"514-555-0123"}`
