package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/postgres"
	"rdv/postgres/pgtest"
	"rdv/spool"
	"rdv/storetest"
)

// TestRequestsWhilePostgresIsDown is forms-only mode end to end: a real
// server on a real PostgreSQL server that is crashed (pg_ctl stop -m
// immediate) in the middle of a stream of appointment requests and
// started again. Every request gets its reference at once, up or down;
// bookings are refused while the database is down; and once the spool is
// replayed, every accepted request is in PostgreSQL exactly once, in the
// order it was accepted, and no refused one is.
func TestRequestsWhilePostgresIsDown(t *testing.T) {
	ps := pgtest.StartPrivateServer(t)
	ctx := context.Background()
	if err := postgres.Migrate(ctx, ps.URL()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	st, err := postgres.Open(ctx, ps.URL(), postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustLoad(t, st, storetest.SmallNetwork(rdv.DateOf(time.Now()).AddDays(1)))
	st.Close()

	spoolPath := filepath.Join(t.TempDir(), "requests.spool")
	m, base := startMain(t, "--db", ps.URL(), "--client-limits=off", "--pg-max-conns", "8", "--pg-min-conns", "2",
		"--spool", spoolPath)
	defer func() {
		if t.Failed() {
			if out, ok := m.Stdout.(*lockedBuffer); ok {
				t.Logf("server log but requests, last lines:\n%s", lastLogLines(out.String(), 40))
			}
		}
	}()
	slotID := firstSlot(t, base)

	s := &requestStream{url: base + "/api/v1/requests", client: &http.Client{Timeout: 10 * time.Second}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for sender := range 4 {
		wg.Go(func() { s.run(t, stop, sender) })
	}
	stopped := false
	stopSenders := func() {
		if !stopped {
			stopped = true
			close(stop)
			wg.Wait()
		}
	}
	defer stopSenders() // a failed test still ends its senders

	waitUntil(t, 15*time.Second, "requests accepted before the stop", func() bool { return s.count() >= 40 })
	ps.Crash(t)
	crashed := time.Now()
	downFrom := s.count()
	backlog := spooledNotReplayed(t, spoolPath)
	waitUntil(t, 15*time.Second, "requests accepted while the database is down", func() bool { return s.count() >= downFrom+40 })

	// What forms-only means to a client: the probe says not ready, search
	// still answers from memory, a booking is refused, a form is not.
	call(t, "GET", base+"/healthz", nil, http.StatusOK)
	call(t, "GET", base+"/readyz", nil, http.StatusServiceUnavailable)
	call(t, "GET", base+"/api/v1/slots?place=Montr%C3%A9al&radius_km=250&service=general&limit=5", nil, http.StatusOK)
	call(t, "POST", base+"/api/v1/holds", map[string]any{"slot_id": slotID}, http.StatusServiceUnavailable)
	// And to a patient: the banner sends them to the request form.
	waitUntil(t, 10*time.Second, "forms-only notice on the home page", func() bool { return homeShows(t, base, formsOnlyNotice) })

	downTo := s.count()
	// Nothing can be replayed while the database is down: every request
	// sent after the stop must be waiting in the spool, or the test would
	// prove nothing about the spool.
	sentWhileDown := 0
	soFar, _ := s.snapshot()
	for _, a := range soFar {
		if a.sent.After(crashed) {
			sentWhileDown++
		}
	}
	if waiting := spooledNotReplayed(t, spoolPath); waiting < sentWhileDown || sentWhileDown == 0 {
		t.Fatalf("%d requests waiting in the spool, but %d were sent and accepted while the database was down", waiting, sentWhileDown)
	}
	ps.Start(t)
	waitUntil(t, 15*time.Second, "requests accepted after the restart", func() bool { return s.count() >= downTo+40 })
	stopSenders()

	waitUntil(t, 60*time.Second, "the spool replayed into PostgreSQL", func() bool { return spooledNotReplayed(t, spoolPath) == 0 })
	waitUntil(t, 15*time.Second, "the server ready again", func() bool {
		res, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	waitUntil(t, 10*time.Second, "the forms-only notice gone", func() bool { return !homeShows(t, base, formsOnlyNotice) })

	accepted, refused := s.snapshot()
	t.Logf("%d requests accepted (%d before the stop, when %d waited in the spool; %d while down; %d after the restart), %d refused as invalid; slowest answer %v before, %v while down, %v after",
		len(accepted), downFrom, backlog, downTo-downFrom, len(accepted)-downTo, len(refused),
		slowest(accepted[:downFrom]), slowest(accepted[downFrom:downTo]), slowest(accepted[downTo:]))
	for _, a := range accepted {
		// A local fsync, whatever the database does; generous for -race.
		if a.took > 2*time.Second {
			t.Errorf("request %s took %v to be accepted", a.tag, a.took)
		}
	}
	checkStoredOnceInOrder(t, ps.URL(), accepted, refused)
}

// formsOnlyNotice is the start of the banner's forms-only notice in
// French, the default language.
const formsOnlyNotice = "Réservation en ligne momentanément indisponible"

// homeShows reports whether the home page holds text.
func homeShows(t *testing.T, base, text string) bool {
	t.Helper()
	res, err := http.Get(base + "/")
	if err != nil {
		t.Fatalf("home page: %v", err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("home page: %d, %v", res.StatusCode, err)
	}
	return strings.Contains(string(b), text)
}

// acceptedRequest is one request the server answered 201, with what the
// client knows of it.
type acceptedRequest struct {
	tag        string // the request's availability text, unique to it
	ref        string
	receivedAt time.Time
	sent, got  time.Time
	took       time.Duration
}

// requestStream sends appointment requests from several senders, each
// waiting for its answer before the next, and records which were accepted
// and which refused. Every seventh request of a sender is invalid, so that
// the stream holds refusals the store must never see.
type requestStream struct {
	url    string
	client *http.Client

	mu       sync.Mutex
	accepted []acceptedRequest // in the order their answers arrived
	refused  []string          // tags
}

func (s *requestStream) run(t *testing.T, stop <-chan struct{}, sender int) {
	for seq := 0; ; seq++ {
		select {
		case <-stop:
			return
		default:
		}
		tag := fmt.Sprintf("stream %d/%d", sender, seq)
		valid := seq%7 != 6
		sent := time.Now()
		code, raw, err := s.post(requestBody(tag, valid))
		got := time.Now()
		if err != nil {
			// On loopback there is no lost answer to excuse: the request's
			// fate is unknown, which the checks cannot allow.
			t.Errorf("%s: %v", tag, err)
			return
		}
		switch {
		case valid && code == http.StatusCreated:
			var v struct {
				Reference  string    `json:"reference"`
				Status     string    `json:"status"`
				ReceivedAt time.Time `json:"received_at"`
			}
			if err := json.Unmarshal(raw, &v); err != nil || !strings.HasPrefix(v.Reference, "D-") || v.Status != "open" {
				t.Errorf("%s: accepted with %s (%v), want a reference and status open", tag, raw, err)
				return
			}
			s.mu.Lock()
			s.accepted = append(s.accepted, acceptedRequest{tag: tag, ref: v.Reference, receivedAt: v.ReceivedAt,
				sent: sent, got: got, took: got.Sub(sent)})
			s.mu.Unlock()
		case !valid && code == http.StatusUnprocessableEntity:
			s.mu.Lock()
			s.refused = append(s.refused, tag)
			s.mu.Unlock()
		default:
			// Forms-only mode accepts every valid form whatever the
			// database does; a refusal is still checked absent below.
			t.Errorf("%s (valid %v): status %d %s", tag, valid, code, raw)
			s.mu.Lock()
			s.refused = append(s.refused, tag)
			s.mu.Unlock()
		}
		// Keeps the stream to a few hundred requests, which the replay
		// after the restart goes through in a moment.
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *requestStream) post(body []byte) (int, []byte, error) {
	req, err := http.NewRequest("POST", s.url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return res.StatusCode, raw, err
}

func (s *requestStream) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.accepted)
}

func (s *requestStream) snapshot() ([]acceptedRequest, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.accepted), slices.Clone(s.refused)
}

// requestBody is an appointment request whose availability text is tag,
// which finds it in the database whether or not it got a reference.
func requestBody(tag string, valid bool) []byte {
	health := "TREE 8804 1299"
	if !valid {
		health = "not a health number"
	}
	b, _ := json.Marshal(map[string]any{
		"patient": map[string]any{"first_name": "Émilie", "last_name": "Tremblay", "birth_date": "1988-04-12",
			"health_number": health, "phone": "514-555-0199"},
		"service": "general", "place": "Trois-Rivières", "radius_km": 25, "availability": tag,
		// The built-in provider answers whatever the database does.
		"payment_token": "tok-" + tag,
	})
	return b
}

// spooledNotReplayed counts the records of the spool past its checkpoint:
// those accepted and not yet in the database.
func spooledNotReplayed(t *testing.T, path string) int {
	t.Helper()
	n, err := spool.Unreplayed(path)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkStoredOnceInOrder reads the requests table: every accepted request
// is there once, as accepted; nothing else is; and a request accepted
// before another was sent has the smaller id.
func checkStoredOnceInOrder(t *testing.T, dbURL string, accepted []acceptedRequest, refused []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect to check the requests: %v", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT id, reference, availability, received_at FROM requests ORDER BY id`)
	if err != nil {
		t.Fatalf("read the requests: %v", err)
	}
	type row struct {
		id         int64
		ref, tag   string
		receivedAt time.Time
	}
	byRef := map[string]row{}
	tags := map[string]int{}
	n := 0
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.ref, &r.tag, &r.receivedAt); err != nil {
			t.Fatalf("read the requests: %v", err)
		}
		n++
		if _, dup := byRef[r.ref]; dup {
			t.Errorf("reference %s stored twice", r.ref)
		}
		byRef[r.ref] = r
		tags[r.tag]++
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read the requests: %v", err)
	}

	want := map[string]bool{}
	for _, a := range accepted {
		want[a.ref] = true
		r, ok := byRef[a.ref]
		switch {
		case !ok:
			t.Errorf("accepted request %s (%s) is not in the database", a.ref, a.tag)
		case r.tag != a.tag || !r.receivedAt.Equal(a.receivedAt):
			t.Errorf("request %s stored as %q received %v, accepted as %q received %v", a.ref, r.tag, r.receivedAt, a.tag, a.receivedAt)
		}
		if tags[a.tag] > 1 {
			t.Errorf("request %s stored %d times", a.tag, tags[a.tag])
		}
	}
	for ref, r := range byRef {
		if !want[ref] {
			t.Errorf("request %s (%s) is in the database but was never accepted", ref, r.tag)
		}
	}
	for _, tag := range refused {
		if tags[tag] > 0 {
			t.Errorf("refused request %s is in the database", tag)
		}
	}
	if n != len(accepted) {
		t.Errorf("%d requests in the database, %d accepted", n, len(accepted))
	}

	// Requests sent concurrently may be stored in either order; one sent
	// after another's answer came back must be stored after it.
	bySent := slices.Clone(accepted)
	slices.SortFunc(bySent, func(a, b acceptedRequest) int { return a.sent.Compare(b.sent) })
	byGot := slices.Clone(accepted)
	slices.SortFunc(byGot, func(a, b acceptedRequest) int { return a.got.Compare(b.got) })
	var before acceptedRequest // the stored-last of those answered so far
	var beforeID int64
	i := 0
	for _, b := range bySent {
		for ; i < len(byGot) && byGot[i].got.Before(b.sent); i++ {
			if id := byRef[byGot[i].ref].id; id > beforeID {
				before, beforeID = byGot[i], id
			}
		}
		if id := byRef[b.ref].id; beforeID != 0 && id != 0 && id < beforeID {
			t.Errorf("%s (id %d) was sent after %s (id %d) was accepted, and is stored before it", b.tag, id, before.tag, beforeID)
		}
	}
}

// firstSlot returns a slot the server offers, for a booking attempt.
func firstSlot(t *testing.T, base string) any {
	t.Helper()
	v := call(t, "GET", base+"/api/v1/slots?place=Montr%C3%A9al&radius_km=250&service=general&limit=5", nil, http.StatusOK)
	slots, _ := v["slots"].([]any)
	if len(slots) == 0 {
		t.Fatal("the server offers no slot")
	}
	return slots[0].(map[string]any)["id"]
}

func slowest(as []acceptedRequest) time.Duration {
	var d time.Duration
	for _, a := range as {
		d = max(d, a.took)
	}
	return d.Round(time.Millisecond)
}

// waitUntil polls cond until it holds or the time is up.
func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %v", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lastLogLines returns the last n lines of a server's log but the
// hundreds that log each request, among which the replayer's warnings
// would be lost.
func lastLogLines(s string, n int) string {
	var lines []string
	for line := range strings.Lines(s) {
		if !strings.Contains(line, "msg=request ") && !strings.Contains(line, `msg="appointment request accepted"`) {
			lines = append(lines, strings.TrimSuffix(line, "\n"))
		}
	}
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
