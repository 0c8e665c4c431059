package faults

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	long = flag.Bool("faults.long", os.Getenv("RDV_FAULTS_LONG") != "",
		"the long run of each fault, as make faults runs it (env RDV_FAULTS_LONG)")
	runFor = flag.Duration("faults.duration", envDuration("RDV_FAULTS_DURATION"),
		"how long each fault's clients book, at least (default 3s, 1m with -faults.long) (env RDV_FAULTS_DURATION)")
	showLogs = flag.Bool("faults.logs", false, "show the servers' logs after each fault, passed or failed")
	bookings = flag.Int("faults.bookings", envInt("RDV_FAULTS_BOOKINGS"),
		"with -faults.long: bookings each fault's clients must have acknowledged before it stops (default 10000) (env RDV_FAULTS_BOOKINGS)")
)

func envDuration(name string) time.Duration {
	d, _ := time.ParseDuration(os.Getenv(name))
	return d
}

func envInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}

// bookFor is how long a fault's clients book, at least.
func bookFor() time.Duration {
	switch {
	case *runFor > 0:
		return *runFor
	case *long:
		return time.Minute
	}
	return 3 * time.Second
}

// targetBookings is how many bookings a fault's clients must have
// acknowledged before it stops (0: none, the short run stops on time).
func targetBookings() int {
	switch {
	case !*long:
		return 0
	case *bookings > 0:
		return *bookings
	}
	return 10_000
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if len(table.rows) > 0 && (*long || testing.Verbose()) {
		table.print(os.Stdout)
	}
	if binary.dir != "" {
		_ = os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// row is one line of the suite's table.
type row struct {
	test       string
	fault      string
	attempts   int // requests the clients sent, retries included
	acked      int // bookings acknowledged
	anomalies  int
	recoveries []time.Duration // from each blow to the next booking acknowledged
	took       time.Duration
}

// suiteTable is the table make faults prints: a row per fault run.
type suiteTable struct {
	mu   sync.Mutex
	rows []row
}

var table suiteTable

func addRow(r row) {
	table.mu.Lock()
	defer table.mu.Unlock()
	table.rows = append(table.rows, r)
}

// print writes the table in Markdown, as docs/reliability.md keeps it.
func (t *suiteTable) print(w io.Writer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	slices.SortStableFunc(t.rows, func(a, b row) int { return rank(a.test) - rank(b.test) })
	fmt.Fprintln(w, "\n| fault | operations | acknowledged bookings | anomalies | time to recover (median / worst) | run |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | --- | ---: |")
	for _, r := range t.rows {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %s | %.0f s |\n", r.fault, r.attempts, r.acked, r.anomalies, recovery(r.recoveries), r.took.Seconds())
	}
}

// suiteOrder is the order of the table's rows: the faults by how much
// they matter.
var suiteOrder = []string{"TestKillEmbedded", "TestKillPostgresInstances", "TestKillClusterInstances",
	"TestCutPostgresConnections", "TestRestartPostgres", "TestDiskFull", "TestClockJumps", "TestSlowClients", "TestAbuse"}

func rank(test string) int {
	if i := slices.Index(suiteOrder, test); i >= 0 {
		return i
	}
	return len(suiteOrder)
}

// recovery is the median and the worst of the times to recover.
func recovery(ds []time.Duration) string {
	if len(ds) == 0 {
		return "—"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("%s / %s (%d blows)", round(s[len(s)/2]), round(s[len(s)-1]), len(s))
}

func round(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}

// binary is rdv built once for the whole process: the servers the faults
// strike are the program production runs, without the race detector.
var binary struct {
	once      sync.Once
	dir, path string
	err       error
}

func rdvBinary(t testing.TB) string {
	t.Helper()
	binary.once.Do(func() {
		binary.dir, binary.err = os.MkdirTemp("", "rdv-faults-bin-")
		if binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "rdv")
		out, err := exec.Command("go", "build", "-o", binary.path, "rdv/cmd/rdv").CombinedOutput() // #nosec G204 -- the repository's own program
		if err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, strings.TrimSpace(string(out)))
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}
