package flood

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rdv"
)

// fakeServer speaks the booking API with a fixed capacity: at most slots
// requests are served at once, each taking work; the rest are refused at
// once, as admission control would. It keeps its bookings in memory.
type fakeServer struct {
	sem      chan struct{}
	work     time.Duration
	sameSlot bool // every booking lands on slot 1: the server double-books
	lose     bool // appointments with an even ID are forgotten
	// roomWait > 0 keeps a waiting room open: a request without a pass
	// gets a ticket, and the ticket lets its browser in after roomWait.
	roomWait time.Duration
	withPass atomic.Int64 // requests that came in with a pass

	nextSlot atomic.Int64
	mu       sync.Mutex
	holds    map[string]int64
	appts    map[int64]*fakeAppt
	booked   map[int64]bool
}

type fakeAppt struct {
	slot   int64
	token  string
	status string
}

func newFakeServer(t *testing.T, slots int, work time.Duration, edit func(*fakeServer)) *httptest.Server {
	t.Helper()
	f := &fakeServer{sem: make(chan struct{}, slots), work: work, holds: map[string]int64{}, appts: map[int64]*fakeAppt{}, booked: map[int64]bool{}}
	if edit != nil {
		edit(f)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /api/v1/slots", f.costly(f.search))
	mux.HandleFunc("POST /api/v1/holds", f.costly(f.hold))
	mux.HandleFunc("POST /api/v1/appointments", f.costly(f.confirm))
	mux.HandleFunc("POST /api/v1/appointments/{id}/cancel", f.costly(f.cancel))
	mux.HandleFunc("GET /api/v1/appointments/{id}", f.get)
	mux.HandleFunc("GET /api/v1/clinics/{id}", f.costly(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"id":1}`) }))
	var h http.Handler = mux
	if f.roomWait > 0 {
		h = f.room(mux)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// room is a waiting room in the manner of rdv's: a ticket cookie, a 503
// with Retry-After and the place in line, then a pass.
func (f *fakeServer) room(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v1/appointments/") {
			next.ServeHTTP(w, r)
			return
		}
		if c, err := r.Cookie("rdv_wr_pass"); err == nil && c.Value == "ok" {
			f.withPass.Add(1)
			next.ServeHTTP(w, r)
			return
		}
		if c, err := r.Cookie("rdv_wr_ticket"); err == nil {
			issued, _ := strconv.ParseInt(c.Value, 10, 64)
			if time.Since(time.Unix(0, issued)) >= f.roomWait {
				http.SetCookie(w, &http.Cookie{Name: "rdv_wr_ticket", MaxAge: -1})
				http.SetCookie(w, &http.Cookie{Name: "rdv_wr_pass", Value: "ok"})
				next.ServeHTTP(w, r)
				return
			}
		} else {
			http.SetCookie(w, &http.Cookie{Name: "rdv_wr_id", Value: "b"})
			http.SetCookie(w, &http.Cookie{Name: "rdv_wr_ticket", Value: strconv.FormatInt(time.Now().UnixNano(), 10)})
		}
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `{"error":{"code":"waiting_room"},"waiting_room":{"ticket":1,"ahead":3,"estimated_wait_seconds":%d}}`, int(f.roomWait.Seconds()))
	})
}

func (f *fakeServer) costly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case f.sem <- struct{}{}:
		default:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"error":{"code":"unavailable","message":"busy"}}`)
			return
		}
		defer func() { <-f.sem }()
		time.Sleep(f.work)
		h(w, r)
	}
}

func (f *fakeServer) search(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	b.WriteString(`{"slots":[`)
	for i := 0; i < 5; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d}`, f.nextSlot.Add(1))
	}
	b.WriteString(`]}`)
	fmt.Fprint(w, b.String())
}

func (f *fakeServer) hold(w http.ResponseWriter, r *http.Request) {
	var in struct {
		SlotID int64 `json:"slot_id"`
	}
	if json.NewDecoder(r.Body).Decode(&in) != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	id := "h" + strconv.FormatInt(in.SlotID, 10)
	f.mu.Lock()
	f.holds[id] = in.SlotID
	f.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"hold_id":%q,"slot_id":%d}`, id, in.SlotID)
}

func (f *fakeServer) confirm(w http.ResponseWriter, r *http.Request) {
	var in struct {
		HoldID  string  `json:"hold_id"`
		Patient patient `json:"patient"`
	}
	if json.NewDecoder(r.Body).Decode(&in) != nil || len(in.Patient.HealthNumber) != 12 {
		w.WriteHeader(http.StatusUnprocessableEntity)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	slot, ok := f.holds[in.HoldID]
	if f.sameSlot {
		slot = 1
	} else if !ok || f.booked[slot] {
		w.WriteHeader(http.StatusConflict)
		fmt.Fprint(w, `{"error":{"code":"slot_taken","message":"taken"}}`)
		return
	}
	f.booked[slot] = true
	id := int64(len(f.appts) + 1)
	f.appts[id] = &fakeAppt{slot: slot, token: "t" + strconv.FormatInt(id, 10), status: "booked"}
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"id":%d,"status":"booked","slot":{"id":%d},"cancel_token":"t%d"}`, id, slot, id)
}

func (f *fakeServer) appt(r *http.Request, token string) *fakeAppt {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	a := f.appts[id]
	if a == nil || a.token != token || (f.lose && id%2 == 0) {
		return nil
	}
	return a
}

func (f *fakeServer) cancel(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token string `json:"token"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.appt(r, in.Token)
	if a == nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	a.status = "cancelled"
	delete(f.booked, a.slot)
	fmt.Fprint(w, `{"status":"cancelled"}`)
}

func (f *fakeServer) get(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.appt(r, r.URL.Query().Get("token"))
	if a == nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	fmt.Fprintf(w, `{"status":%q,"slot":{"id":%d}}`, a.status, a.slot)
}

func runMain(t *testing.T, args ...string) (Summary, string) {
	t.Helper()
	if !slices.Contains(args, "--metrics") {
		// The fake servers export no metrics; another rdv on this
		// machine may, at the default address.
		args = append(args, "--metrics", "off")
	}
	if !slices.Contains(args, "--recovery") {
		args = append(args, "--recovery", "0")
	}
	var out, errs bytes.Buffer
	if err := Main(context.Background(), args, &out, &errs); err != nil {
		t.Fatalf("flood %v: %v\n%s", args, err, errs.String())
	}
	var s Summary
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatalf("summary is not JSON: %v\n%s", err, out.String())
	}
	return s, out.String()
}

func TestJSONSummaryContract(t *testing.T) {
	srv := newFakeServer(t, 4, 5*time.Millisecond, nil)
	s, raw := runMain(t, "--target", srv.URL, "--duration", "1s", "--overload", "3", "--capacity", "100", "--json")

	var fields map[string]any
	if err := json.Unmarshal([]byte(raw), &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"capacity_rps", "offered_rps", "goodput_rps", "goodput_ratio", "admitted_p99_ms", "refused_p99_ms", "double_bookings", "lost_bookings"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("summary lacks %q: %s", k, raw)
		}
	}
	if s.CapacityRPS != 100 || s.RequestedRPS != 300 {
		t.Errorf("capacity %v requested %v, want 100 and 300", s.CapacityRPS, s.RequestedRPS)
	}
	if s.OfferedRPS != s.SentRPS || s.OfferedRPS <= 0 || s.OverloadReached != s.OfferedRPS/s.CapacityRPS {
		t.Errorf("offered %v sent %v overload reached %v: offered must be what was sent", s.OfferedRPS, s.SentRPS, s.OverloadReached)
	}
	if want := s.GoodputRPS / s.CapacityRPS; s.GoodputRatio != want {
		t.Errorf("goodput ratio %v, want goodput/capacity = %v", s.GoodputRatio, want)
	}
	total := 0
	for _, c := range s.ByClass {
		total += c.Sent
		if c.Good+c.Refused+c.Failed != c.Sent {
			t.Errorf("class counts %+v do not add up", c)
		}
	}
	if total == 0 || s.GoodputRPS <= 0 {
		t.Fatalf("nothing answered: %s", raw)
	}
	if s.DoubleBookings != 0 || s.LostBookings != 0 || s.Unverified != 0 {
		t.Errorf("honest server: %d double, %d lost, %d unverified bookings", s.DoubleBookings, s.LostBookings, s.Unverified)
	}
}

// Visitors keep their cookies, come back when the room says, and once let
// in lend their passes to the rest of the mix; with the room closed they
// are let in at once.
func TestWaitingRoomVisitors(t *testing.T) {
	tests := []struct {
		name     string
		roomWait time.Duration
	}{
		{"room closed", 0},
		{"room open", time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fake *fakeServer
			srv := newFakeServer(t, 64, time.Millisecond, func(f *fakeServer) { f.roomWait = tt.roomWait; fake = f })
			s, raw := runMain(t, "--target", srv.URL, "--duration", "3s", "--overload", "2", "--capacity", "100", "--json")
			wr := s.Waitroom
			t.Logf("waiting room: %+v", wr)
			if c := s.ByClass[kindWaitroom]; c == nil || c.Sent == 0 || wr.Visitors == 0 {
				t.Fatalf("no waiting-room visitor in the mix: %s", raw)
			}
			if tt.roomWait == 0 {
				if wr.Held != 0 || wr.Ticketed != 0 || wr.LetIn != wr.Visitors {
					t.Errorf("room closed: want every visitor let in at once, without a ticket: %+v", wr)
				}
				return
			}
			if wr.Ticketed == 0 || wr.WaitedAndLetIn == 0 {
				t.Fatalf("room open: want visitors held, then let in with a pass: %+v", wr)
			}
			// Visitors come back after Retry-After (1 s), once their
			// ticket is a second old: the wait is one to two polls.
			if wr.WaitP50S < 0.9 || wr.WaitP99S > 2.5 {
				t.Errorf("waits p50 %.2f s p99 %.2f s, want about one Retry-After", wr.WaitP50S, wr.WaitP99S)
			}
			if wr.Ticketed > wr.Held || wr.WaitedAndLetIn > wr.Held || wr.StillWaiting > wr.Held {
				t.Errorf("counts do not add up: %+v", wr)
			}
			if fake.withPass.Load() == 0 {
				t.Error("the browsing sessions never came in with a pass")
			}
			if s.ByClass[kindSearch].Good == 0 {
				t.Error("no search got through the room once passes existed")
			}
		})
	}
}

func TestCapacityRampAndReport(t *testing.T) {
	srv := newFakeServer(t, 4, 10*time.Millisecond, nil)
	off := newFakeServer(t, 64, 10*time.Millisecond, nil)
	dir := t.TempDir()
	s, _ := runMain(t, "--target", srv.URL, "--compare-target", off.URL, "--duration", "500ms", "--overload", "2",
		"--ramp-start", "50", "--ramp-step", "300ms", "--ramp-steps", "4", "--levels", "1", "--level-duration", "300ms",
		"--report", dir, "--json")
	if s.CapacityRPS <= 0 || len(s.Ramp) == 0 {
		t.Fatalf("no capacity measured: %+v", s.Run)
	}
	if s.Compare == nil || s.Compare.CapacityRPS != s.CapacityRPS {
		t.Fatalf("compare run must face the same capacity: %+v", s.Compare)
	}
	for _, name := range []string{"flood.md", "flood.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "flood.svg" && !bytes.Contains(b, []byte("<polyline")) {
			t.Errorf("chart has no line: %s", b)
		}
		if name == "flood.md" && !bytes.Contains(b, []byte("admission off")) {
			t.Errorf("report lacks the comparison: %s", b)
		}
	}
}

func TestBookingCheckFindsDoubleAndLostBookings(t *testing.T) {
	tests := []struct {
		name             string
		edit             func(*fakeServer)
		wantDouble, lost bool
	}{
		{"honest", nil, false, false},
		{"double-booking server", func(f *fakeServer) { f.sameSlot = true }, true, false},
		{"forgetful server", func(f *fakeServer) { f.lose = true }, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeServer(t, 64, 0, tt.edit)
			s, _ := runMain(t, "--target", srv.URL, "--duration", "1s", "--overload", "1", "--capacity", "200", "--json")
			if s.Acknowledged < 2 {
				t.Fatalf("only %d bookings acknowledged", s.Acknowledged)
			}
			if (s.DoubleBookings > 0) != tt.wantDouble {
				t.Errorf("%d double bookings, want some: %v", s.DoubleBookings, tt.wantDouble)
			}
			if (s.LostBookings > 0) != tt.lost {
				t.Errorf("%d lost bookings, want some: %v", s.LostBookings, tt.lost)
			}
		})
	}
}

func TestOnlyLoopbackTargets(t *testing.T) {
	tests := []struct {
		target string
		ok     bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://127.3.4.5:8080", true},
		{"http://[::1]:8080", true},
		{"http://localhost:8080", true},
		{"https://LOCALHOST", true},
		{"http://10.0.0.1:8080", false},
		{"http://192.168.1.10", false},
		{"http://example.org", false},
		{"http://0.0.0.0:8080", false},
		{"ftp://127.0.0.1", false},
		{"127.0.0.1:8080", false},
	}
	for _, tt := range tests {
		err := checkLoopback(tt.target)
		if (err == nil) != tt.ok {
			t.Errorf("%s: error %v, want accepted %v", tt.target, err, tt.ok)
		}
	}
	var out, errs bytes.Buffer
	err := Main(context.Background(), []string{"--target", "http://203.0.113.9:8080", "--capacity", "10", "--duration", "1s"}, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("non-loopback target: %v, want a loopback error", err)
	}
	err = Main(context.Background(), []string{"--target", "http://127.0.0.1:1", "--compare-target", "http://198.51.100.1", "--capacity", "10"}, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("non-loopback compare target: %v, want a loopback error", err)
	}
}

func TestPatientsAreValid(t *testing.T) {
	m := newMix("http://127.0.0.1", 7)
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for i := 0; i < 500; i++ {
		p := newPatient(m.rng, now)
		birth, err := rdv.ParseDate(p.BirthDate)
		if err != nil {
			t.Fatal(err)
		}
		rp := rdv.Patient{FirstName: p.FirstName, LastName: p.LastName, BirthDate: birth, HealthNumber: p.HealthNumber, Phone: p.Phone, Language: p.Language}
		if err := rp.Validate(rdv.DateOf(now)); err != nil {
			t.Fatalf("patient %+v: %v", p, err)
		}
	}
}

func TestServerRefusalQuantile(t *testing.T) {
	before := map[float64]float64{0.001: 10, 0.005: 10, 0.1: 10, math.Inf(1): 10}
	after := map[float64]float64{0.001: 90, 0.005: 109, 0.1: 110, math.Inf(1): 110}
	if got := bucketQuantileMS(before, after, 0.5); got != 1 {
		t.Errorf("p50 %v ms, want 1", got)
	}
	if got := bucketQuantileMS(before, after, 0.99); got != 5 {
		t.Errorf("p99 %v ms, want 5", got)
	}
	if got := bucketQuantileMS(nil, nil, 0.99); got != -1 {
		t.Errorf("no metrics: %v, want -1", got)
	}
}
