package pgtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// PrivateServer is a PostgreSQL server that belongs to one test, which
// may crash and restart it without disturbing the shared test server that
// other tests use at the same time. Its data directory and unix socket
// live in a temporary directory.
type PrivateServer struct {
	bin  string // the directory of initdb and pg_ctl
	dir  string // the temporary directory: socket, log, data/
	port int
	// runAs is the command prefix that runs the server's programs as the
	// postgres OS user (initdb refuses to run as root), or empty.
	runAs []string
}

// StartPrivateServer creates a cluster in a temporary directory, starts it
// on a free port, and stops and removes it when the test ends. It skips
// the test when RDV_TEST_POSTGRES_URL is unset (PostgreSQL tests are not
// wanted) or when the server's programs are not installed.
func StartPrivateServer(t testing.TB) *PrivateServer {
	t.Helper()
	ServerURL(t)
	bin := serverBinDir(t)
	ps := &PrivateServer{bin: bin}
	if os.Geteuid() == 0 {
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			t.Skip("runuser not found: a private PostgreSQL server cannot be started as root without it")
		}
		if _, err := user.Lookup("postgres"); err != nil {
			t.Skip("no postgres OS user to own a private PostgreSQL server")
		}
		ps.runAs = []string{runuser, "-u", "postgres", "--"}
	}
	// Not t.TempDir: its parent directory is private to the test's user,
	// and the server runs as another.
	dir, err := os.MkdirTemp("", "rdv-pg-")
	if err != nil {
		t.Fatalf("temporary directory: %v", err)
	}
	ps.dir = dir
	t.Cleanup(func() {
		ps.stopIfRunning(t)
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove the private server's directory: %v", err)
		}
	})
	if ps.runAs != nil {
		u, _ := user.Lookup("postgres")
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatalf("give the private server's directory to postgres: %v", err)
		}
	}
	ps.port = freePort(t)
	ps.run(t, filepath.Join(bin, "initdb"), "-D", ps.dataDir(), "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync")
	// Appended as root, the file keeps its owner.
	conf := fmt.Sprintf("\nport = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n"+
		"max_connections = 40\nshared_buffers = 32MB\n", ps.port, dir)
	f, err := os.OpenFile(filepath.Join(ps.dataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("configure the private server: %v", err)
	}
	_, err = f.WriteString(conf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("configure the private server: %v", err)
	}
	ps.Start(t)
	return ps
}

// serverBinDir returns the newest /usr/lib/postgresql/*/bin that holds
// initdb and pg_ctl, or skips the test.
func serverBinDir(t testing.TB) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	// Newest major version first: 16 sorts after 9.6 by number, not text.
	slices.SortFunc(dirs, func(a, b string) int {
		return majorVersion(b) - majorVersion(a)
	})
	for _, d := range dirs {
		if executable(filepath.Join(d, "initdb")) && executable(filepath.Join(d, "pg_ctl")) {
			return d
		}
	}
	t.Skip("initdb and pg_ctl not found under /usr/lib/postgresql/*/bin: install the PostgreSQL server to run this test")
	return ""
}

func majorVersion(binDir string) int {
	v := filepath.Base(filepath.Dir(binDir))
	n, _ := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	return n
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// freePort returns a TCP port that nothing listened on a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (ps *PrivateServer) dataDir() string { return filepath.Join(ps.dir, "data") }
func (ps *PrivateServer) logFile() string { return filepath.Join(ps.dir, "server.log") }

// URL is the address of the server's postgres database. A short connect
// timeout keeps a client from hanging on a server that is down.
func (ps *PrivateServer) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=2", ps.port)
}

// Start starts the server and waits until it accepts connections (after
// crash recovery, when it crashed).
func (ps *PrivateServer) Start(t testing.TB) {
	t.Helper()
	ps.run(t, filepath.Join(ps.bin, "pg_ctl"), "start", "-D", ps.dataDir(), "-l", ps.logFile(), "-w", "-t", "30")
}

// Crash stops the server the way a power cut would (pg_ctl stop -m
// immediate): every process ends at once, without a checkpoint, and the
// next Start recovers from the WAL.
func (ps *PrivateServer) Crash(t testing.TB) {
	t.Helper()
	ps.run(t, filepath.Join(ps.bin, "pg_ctl"), "stop", "-D", ps.dataDir(), "-m", "immediate", "-w", "-t", "30")
}

// stopIfRunning ends the server if it runs; it is the cleanup of a test
// that may have failed with the server up or down.
func (ps *PrivateServer) stopIfRunning(t testing.TB) {
	t.Helper()
	pgctl := filepath.Join(ps.bin, "pg_ctl")
	if ps.output(pgctl, "status", "-D", ps.dataDir()) != nil {
		return // not running, or never created
	}
	if err := ps.output(pgctl, "stop", "-D", ps.dataDir(), "-m", "immediate", "-w", "-t", "30"); err != nil {
		t.Errorf("stop the private server: %v", err)
	}
}

// run runs a server program as the server's OS user, failing the test
// with its output and the server's log when it fails.
func (ps *PrivateServer) run(t testing.TB, prog string, args ...string) {
	t.Helper()
	if err := ps.output(prog, args...); err != nil {
		logText, _ := os.ReadFile(ps.logFile())
		t.Fatalf("%v\nserver log:\n%s", err, lastLines(logText, 20))
	}
}

func (ps *PrivateServer) output(prog string, args ...string) error {
	argv := append(slices.Clone(ps.runAs), prog)
	argv = append(argv, args...)
	// #nosec G204 -- a test server running PostgreSQL's own programs
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = ps.dir // the postgres user may not enter the caller's directory
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", filepath.Base(prog), strings.Join(args, " "), err, out)
	}
	return nil
}

func lastLines(b []byte, n int) []byte {
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	return bytes.Join(lines[max(0, len(lines)-n):], []byte("\n"))
}
