package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/availability"
	"rdv/booking"
	"rdv/sqlite"
	"rdv/storetest"
)

// testStart is the first day of the test network's slots, and testNow the
// clock of every test: the evening before, so that every slot is ahead.
var (
	testStart = rdv.Date{Year: 2030, Month: time.March, Day: 4}
	testNow   = testStart.AddDays(-1).At(20*60, rdv.Toronto)
)

// Slots of storetest.SmallNetwork: IDs count per practitioner and day, 11
// a day (8 public general slots from 09:00, then 3 rostered pediatrics).
const (
	slotFree     = 1   // practitioner 1, first day, 09:00
	slotBooked   = 2   // booked by the network's patient 1
	slotRostered = 9   // pediatrics, rostered patients only
	slotUnknown  = 999 // no such slot
)

// testAPI is the real handler over a real SQLite store loaded with the
// small network. Every response it gives is kept and checked against the
// OpenAPI document when the test ends.
type testAPI struct {
	t       *testing.T
	handler http.Handler
	store   rdv.Store
	index   *availability.Index
	engine  *booking.Engine
	clock   *storetest.Clock // the engine's, stopped at testNow
	log     *slog.Logger

	mu   sync.Mutex
	seen []exchange
}

// exchange is one request the handler answered.
type exchange struct {
	pattern string // the route that served it ("" when none did)
	status  int
	body    []byte
}

func newTestAPI(t *testing.T) *testAPI {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "rdv.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	storetest.MustLoad(t, store, storetest.SmallNetwork(testStart))
	index := storetest.MustBuildIndex(t, store, testNow)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The API's clients keep no cookies: their address's ceiling is all
	// that caps them, set as low as a browser's cap so that the scenarios
	// can reach it (hold_cap_test.go tests the two apart).
	clock := storetest.NewClock(testNow)
	engine := booking.New(store, index, booking.Config{MaxLiveHolds: 3, MaxAddressHolds: 3, Now: clock.Now}, log)
	a := &testAPI{t: t, store: store, index: index, engine: engine, clock: clock, log: log}
	a.handler = New(Deps{Engine: engine, Index: index, Store: store, Log: log,
		Ready: func(ctx context.Context) error { _, err := store.Empty(ctx); return err }})
	t.Cleanup(func() { checkAgainstDocument(t, a.exchanges()) })
	return a
}

func (a *testAPI) exchanges() []exchange {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]exchange(nil), a.seen...)
}

// request is one call of a scenario.
type request struct {
	method, url string
	headers     map[string]string
	body        string
	remote      string // client address; default 192.0.2.1:40000
}

// do sends r to the handler and returns the response with its body read.
func (a *testAPI) do(r request) (*http.Response, []byte) {
	a.t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req := httptest.NewRequest(r.method, r.url, body)
	req.RemoteAddr = "192.0.2.1:40000"
	if r.remote != "" {
		req.RemoteAddr = r.remote
	}
	if r.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	res := rec.Result()
	got, err := io.ReadAll(res.Body)
	if err != nil {
		a.t.Fatalf("%s %s: read body: %v", r.method, r.url, err)
	}
	a.mu.Lock()
	a.seen = append(a.seen, exchange{pattern: req.Pattern, status: res.StatusCode, body: got})
	a.mu.Unlock()
	return res, got
}

// call sends r, requires status want, and decodes the JSON answer.
func (a *testAPI) call(r request, want int) map[string]any {
	a.t.Helper()
	res, body := a.do(r)
	if res.StatusCode != want {
		a.t.Fatalf("%s %s: status %d, want %d; body %s", r.method, r.url, res.StatusCode, want, body)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		a.t.Fatalf("%s %s: answer is not a JSON object: %v; body %s", r.method, r.url, err, body)
	}
	return out
}

// scenario is one row of a table of requests with the expected answer.
type scenario struct {
	name       string
	req        request
	wantStatus int
	want       []string // substrings of the body
	notWant    []string
}

func (a *testAPI) runScenarios(t *testing.T, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			res, body := a.do(sc.req)
			if res.StatusCode != sc.wantStatus {
				t.Fatalf("status %d, want %d; body %s", res.StatusCode, sc.wantStatus, body)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want JSON", ct)
			}
			if !json.Valid(body) {
				t.Errorf("body is not valid JSON: %s", body)
			}
			for _, w := range sc.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("body lacks %q: %s", w, body)
				}
			}
			for _, w := range sc.notWant {
				if strings.Contains(string(body), w) {
					t.Errorf("body has %q: %s", w, body)
				}
			}
		})
	}
}

// hold holds a slot through the API and returns the hold ID.
func (a *testAPI) hold(slotID int64, remote string) string {
	a.t.Helper()
	out := a.call(request{method: "POST", url: "/api/v1/holds", body: jsonOf(a.t, map[string]any{"slot_id": slotID}), remote: remote}, http.StatusCreated)
	return out["hold_id"].(string)
}

// book holds and confirms a slot and returns the appointment ID and token.
func (a *testAPI) book(slotID int64, remote string) (id int64, token string) {
	a.t.Helper()
	holdID := a.hold(slotID, remote)
	out := a.call(request{method: "POST", url: "/api/v1/appointments", body: confirmBody(a.t, holdID, patientJSON), remote: remote}, http.StatusCreated)
	return int64(out["id"].(float64)), out["cancel_token"].(string)
}

// patientJSON is a valid patient whose health number matches the birth
// date.
var patientJSON = map[string]any{
	"first_name": "Camille", "last_name": "Bouchard", "birth_date": "1990-06-15",
	"health_number": "BOUC 9006 1512", "phone": "514-555-0142", "email": "camille@example.org", "language": "fr",
}

func confirmBody(t *testing.T, holdID string, patient map[string]any) string {
	t.Helper()
	return jsonOf(t, map[string]any{"hold_id": holdID, "patient": patient})
}

// with returns a copy of m with key set to v.
func with(m map[string]any, key string, v any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, x := range m {
		out[k] = x
	}
	out[key] = v
	return out
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return string(b)
}
