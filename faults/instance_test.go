package faults

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// instance is one rdv serve process, on an address that stays its own
// across restarts so that clients (and an edge) find it again.
type instance struct {
	t     testing.TB
	name  string
	args  []string // serve's flags, the address included
	env   []string // added to the test's environment
	addr  string
	log   string // the process's output, appended across restarts
	spool string
	cmd   *exec.Cmd
	exit  chan error // the running process's end
}

// serveFlags are the flags of every fault's servers: all the clients
// come from loopback without cookies, as in the load tests, so the
// limits per client and address are off, and the address may hold as
// many slots as the clients behind it, unless a fault's own flags (later
// on the command line) say otherwise.
var serveFlags = []string{"--client-limits", "off", "--max-live-holds", "1000", "--metrics-addr", "off", "--shutdown-grace", "5s"}

// newInstance prepares rdv serve with args after serveFlags, in dir,
// stopped when the test ends. Start starts it.
func newInstance(t testing.TB, dir, name string, args ...string) *instance {
	t.Helper()
	in := &instance{t: t, name: name, addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		log: filepath.Join(dir, name+".log"), spool: filepath.Join(dir, name+".requests.spool")}
	in.args = append([]string{"serve", "--addr", in.addr, "--spool", in.spool}, append(serveFlags, args...)...)
	t.Cleanup(func() {
		if in.running() {
			in.Stop()
		}
		if t.Failed() || *showLogs {
			in.showLog()
		}
	})
	return in
}

// URL is the instance's base URL.
func (in *instance) URL() string { return "http://" + in.addr }

func (in *instance) running() bool { return in.cmd != nil }

// Start starts the process and waits until it is ready (its /readyz
// answers 200), a minute at most.
func (in *instance) Start() {
	in.t.Helper()
	in.launch()
	in.waitReady(time.Minute)
}

// launch starts the process without waiting for it.
func (in *instance) launch() {
	in.t.Helper()
	f, err := os.OpenFile(in.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600) // #nosec G304 -- the test's own log
	if err != nil {
		in.t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(rdvBinary(in.t), in.args...) // #nosec G204 -- the repository's own program
	cmd.Env = append(os.Environ(), in.env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		in.t.Fatalf("start %s: %v", in.name, err)
	}
	in.cmd, in.exit = cmd, make(chan error, 1)
	go func(exit chan<- error) { exit <- cmd.Wait() }(in.exit)
}

func (in *instance) waitReady(d time.Duration) {
	in.t.Helper()
	client := &http.Client{Timeout: time.Second}
	for end := time.Now().Add(d); ; time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-in.exit:
			in.cmd = nil
			in.t.Fatalf("%s stopped before it was ready: %v", in.name, err)
		default:
		}
		res, err := client.Get(in.URL() + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(end) {
			in.t.Fatalf("%s not ready after %s", in.name, d)
		}
	}
}

// Kill ends the process with SIGKILL: no shutdown, no flush, as a crash
// or the kernel's OOM killer would.
func (in *instance) Kill() {
	in.t.Helper()
	if err := in.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		in.t.Fatalf("kill %s: %v", in.name, err)
	}
	<-in.exit
	in.cmd = nil
}

// Restart kills the process and starts it again.
func (in *instance) Restart() {
	in.t.Helper()
	in.Kill()
	in.Start()
}

// Stop shuts the process down as an operator does (SIGTERM: requests in
// flight finish) and fails the test if it does not leave cleanly.
func (in *instance) Stop() {
	in.t.Helper()
	if err := in.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		in.t.Errorf("stop %s: %v", in.name, err)
	}
	select {
	case err := <-in.exit:
		if err != nil {
			in.t.Errorf("%s stopped with %v", in.name, err)
		}
	case <-time.After(30 * time.Second):
		in.t.Errorf("%s still running 30 s after SIGTERM: killed", in.name)
		_ = in.cmd.Process.Kill()
		<-in.exit
	}
	in.cmd = nil
}

// Alive reports whether the process still runs (it did not die of the
// fault).
func (in *instance) Alive() bool {
	if in.cmd == nil {
		return false
	}
	select {
	case err := <-in.exit:
		in.exit <- err
		return false
	default:
		return true
	}
}

// waitSpoolReplayed waits until every request the instance's spool
// accepted is in the store.
func (in *instance) waitSpoolReplayed() {
	in.t.Helper()
	waitReplayed(in.t, in.spool)
}

func (in *instance) showLog() {
	b, _ := os.ReadFile(in.log) // #nosec G304 -- the test's own log
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	in.t.Logf("%s's log, last lines:\n%s", in.name, b)
}

// freePort returns a loopback port nothing listened on a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
