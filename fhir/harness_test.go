package fhir

import (
	"bytes"
	"compress/gzip"
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
	"rdv/auth"
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
	slotFree     = 1 // practitioner 1 at clinic 1, first day, 09:00
	slotBooked   = 2 // booked by the network's patient 1
	slotRostered = 9
)

const publicURL = "http://rdv.test"

// testFHIR is the real FHIR API over a real SQLite store loaded with the
// small network. It keeps every FHIR resource it answered, for the
// validator (validate_test.go).
type testFHIR struct {
	t      *testing.T
	srv    *Server
	store  rdv.Store
	index  *availability.Index
	engine *booking.Engine

	mu      sync.Mutex
	emitted [][]byte
}

func newTestFHIR(t *testing.T) *testFHIR {
	t.Helper()
	f := newFHIR(t)
	f.t = t
	return f
}

// newFHIR makes the server on a store of the small network, as rdv serve
// wires it, for a test or for a whole fuzz run.
func newFHIR(tb testing.TB) *testFHIR {
	tb.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "rdv.db"), sqlite.Options{})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { store.Close() })
	storetest.MustLoad(tb, store, storetest.SmallNetwork(testStart))
	index := storetest.MustBuildIndex(tb, store, testNow)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clock := storetest.NewClock(testNow)
	engine := booking.New(store, index, booking.Config{MaxLiveHolds: 3, MaxAddressHolds: 5, Now: clock.Now}, log)
	// Clinics' API tokens and staff sessions, as the server wires them.
	authorize := AnyOf(ClinicTokens(apiTokens(store, clock.Now)), StaffSessions(store))
	srv, err := New(Deps{Engine: engine, Index: index, Store: store, Log: log, PublicURL: publicURL, Authorize: authorize})
	if err != nil {
		tb.Fatalf("new: %v", err)
	}
	return &testFHIR{srv: srv, store: store, index: index, engine: engine}
}

// response is an answer, its body inflated.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request with headers given as "Name: value" and keeps the
// FHIR resources answered.
func (f *testFHIR) do(method, target string, body any, headers ...string) response {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, target, rd)
	req.RemoteAddr = "192.0.2.1:40000"
	if body != nil {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if res.header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(res.body))
		if err != nil {
			f.t.Fatalf("%s %s: gzip: %v", method, target, err)
		}
		res.body, _ = io.ReadAll(zr)
	}
	f.keep(res)
	return res
}

// keep records the resources of a FHIR answer: the body, or each line of
// an NDJSON file.
func (f *testFHIR) keep(res response) {
	ct := res.header.Get("Content-Type")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case strings.HasPrefix(ct, "application/fhir+json"):
		f.emitted = append(f.emitted, res.body)
	case strings.HasPrefix(ct, "application/fhir+ndjson"):
		for _, line := range bytes.Split(res.body, []byte("\n")) {
			if len(line) > 0 {
				f.emitted = append(f.emitted, line)
			}
		}
	}
}

// decode reads a response's JSON body into v.
func (f *testFHIR) decode(res response, v any) {
	f.t.Helper()
	if err := json.Unmarshal(res.body, v); err != nil {
		f.t.Fatalf("decode %s: %v", res.body, err)
	}
}

// staffSession signs in a staff member of the clinic and returns the
// cookie header that carries the session: opened with a second factor
// when the role must have one, as sign-in opens it.
func (f *testFHIR) staffSession(role rdv.Role, clinicID int64) string {
	f.t.Helper()
	return f.staffSessionWith(role, clinicID, role.RequiresSecondFactor())
}

// staffSessionWith is staffSession, the session opened with a second
// factor or by the password alone.
func (f *testFHIR) staffSessionWith(role rdv.Role, clinicID int64, secondFactor bool) string {
	f.t.Helper()
	ctx := context.Background()
	hash, err := auth.HashPassword("correct horse battery", auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		f.t.Fatal(err)
	}
	email := string(role) + strings.Repeat("x", int(clinicID))
	if !secondFactor {
		email += ".password-only"
	}
	a, err := f.store.CreateAccount(ctx, rdv.Account{Email: email + "@clinique.example", Name: "Staff",
		Role: role, ClinicID: clinicID, PasswordHash: hash, Language: "fr"})
	if err != nil {
		f.t.Fatalf("create account: %v", err)
	}
	token, th := auth.NewSessionToken()
	now := time.Now()
	if err := f.store.CreateSession(ctx, rdv.Session{TokenHash: th, AccountID: a.ID, CSRFToken: auth.NewCSRFToken(), CreatedAt: now, ExpiresAt: now.Add(time.Hour), SecondFactor: secondFactor}); err != nil {
		f.t.Fatalf("create session: %v", err)
	}
	return "Cookie: " + auth.SessionCookie + "=" + token
}

// patient is a Patient $book accepts.
func patient() map[string]any {
	return map[string]any{
		"resourceType":  "Patient",
		"identifier":    []any{map[string]any{"system": healthNumberSystem, "value": "BOUC 9006 1512"}},
		"name":          []any{map[string]any{"family": "Bouchard", "given": []string{"Camille"}}},
		"birthDate":     "1990-06-15",
		"telecom":       []any{map[string]any{"system": "phone", "value": "514-555-0142"}, map[string]any{"system": "email", "value": "camille@example.org"}},
		"communication": []any{map[string]any{"language": map[string]any{"coding": []any{map[string]any{"system": bcp47, "code": "fr-CA"}}}}},
	}
}

// params makes a Parameters resource of name, value pairs: a string is a
// valueString, a *Reference a valueReference, a map a resource.
func params(kv ...any) map[string]any {
	var ps []any
	for i := 0; i+1 < len(kv); i += 2 {
		p := map[string]any{"name": kv[i]}
		switch v := kv[i+1].(type) {
		case string:
			p["valueString"] = v
		case Reference:
			p["valueReference"] = v
		case map[string]any:
			p["resource"] = v
		}
		ps = append(ps, p)
	}
	return map[string]any{"resourceType": "Parameters", "parameter": ps}
}

// bundleOf reads a Bundle whose entries are of one resource type.
type bundleOf[T any] struct {
	ResourceType string       `json:"resourceType"`
	Type         string       `json:"type"`
	Total        *int         `json:"total"`
	Link         []BundleLink `json:"link"`
	Entry        []struct {
		FullURL  string          `json:"fullUrl"`
		Resource json.RawMessage `json:"resource"`
		Search   *EntrySearch    `json:"search"`
	} `json:"entry"`
}

// resources decodes the entries of type typ.
func resources[T any](t *testing.T, b bundleOf[T], typ string) []T {
	t.Helper()
	var out []T
	for _, e := range b.Entry {
		var head struct{ ResourceType string }
		json.Unmarshal(e.Resource, &head) //nolint:errcheck
		if head.ResourceType != typ {
			continue
		}
		var v T
		if err := json.Unmarshal(e.Resource, &v); err != nil {
			t.Fatalf("decode entry: %v", err)
		}
		out = append(out, v)
	}
	return out
}

// next returns a bundle's next link, or "".
func next[T any](b bundleOf[T]) string {
	for _, l := range b.Link {
		if l.Relation == "next" {
			return strings.TrimPrefix(l.URL, publicURL)
		}
	}
	return ""
}
