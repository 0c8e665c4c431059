package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"rdv"
	"rdv/booking"
	"rdv/match"
	"rdv/spool"
	"rdv/sqlite"
	"rdv/storetest"
)

// FuzzParseSearch: the slot search's query string, as clients send it, is
// refused with the parameter named, or gives a query the index can run.
func FuzzParseSearch(f *testing.F) {
	for _, q := range []string{
		"service=general&near=45.5,-73.6",
		"service=general&place=H2X%201Y4&radius_km=10&limit=5&per_clinic=1",
		"service=pediatrics&place=Montr%C3%A9al&from=2030-03-05&to=2030-03-06&weekdays=mon,lun&times=morning,13:00-16:00&language=fr",
		"service=general&near=NaN,NaN",
		"service=general&near=45.5,-73.6&radius_km=NaN",
		"service=general&near=91,0",
		"near=45.5,-73.6",
		"service=general&near=45.5,-73.6&limit=0",
		"service=general&near=%zz",
		"&&service=general&&near=0,0&&",
		"",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var p searchParams
		err := parseSearch(&p, raw, testNow)
		if err != nil {
			if rdv.ErrorCode(err) != rdv.EINVALID || rdv.ErrorField(err) == "" {
				t.Fatalf("%q: %v, want an invalid parameter named", raw, err)
			}
			return
		}
		q := p.q
		if math.IsNaN(q.Lat) || math.IsNaN(q.Lon) || q.Lat < -90 || q.Lat > 90 || q.Lon < -180 || q.Lon > 180 {
			t.Fatalf("%q: searched at %v,%v", raw, q.Lat, q.Lon)
		}
		if !(q.RadiusKm > 0 && q.RadiusKm <= maxRadiusKm) || q.Limit < 1 || q.Limit > maxLimit || q.PerClinic < 0 || q.PerClinic > maxLimit {
			t.Fatalf("%q: radius %v, limit %d, per clinic %d", raw, q.RadiusKm, q.Limit, q.PerClinic)
		}
		if !q.Service.Valid() || len(q.Windows) > rdv.MaxWindows || q.Weekdays >= 1<<7 {
			t.Fatalf("%q: service %q, %d windows, weekdays %b", raw, q.Service, len(q.Windows), q.Weekdays)
		}
		if q.To.Before(q.From) && !p.empty {
			t.Fatalf("%q: range %v to %v not said empty", raw, q.From, q.To)
		}
	})
}

// apiBodies are the routes that read a JSON body from anyone, each with a
// body it accepts (on a fresh network) to start the fuzzer from.
var apiBodies = []struct{ path, seed string }{
	{"/api/v1/holds", `{"slot_id":1}`},
	{"/api/v1/appointments", `{"hold_id":"h_x","patient":{"first_name":"Émile","last_name":"Tremblay","birth_date":"1980-01-12","health_number":"TREE80011212","phone":"514-555-0123","email":"e@example.org","language":"fr"}}`},
	{"/api/v1/requests", `{"service":"general","place":"H2X 1Y4","radius_km":10,"from":"2030-03-05","to":"2030-03-20","weekdays":"mon,tue","times":"morning","patient":{"first_name":"Émile","last_name":"Tremblay","birth_date":"1980-01-12","health_number":"TREE80011212","email":"e@example.org","language":"fr"}}`},
	{"/api/v1/appointments/1/cancel", `{"token":"t"}`},
	{"/api/v1/appointments/1/reschedule", `{"token":"t","hold_id":"h_x"}`},
	{"/api/v1/requests/R-1/withdraw", `{"token":"t"}`},
}

// FuzzAPIBodies: whatever body a client posts to a public route, the real
// handler over a real store answers it: done, or refused with a 4xx
// problem document in JSON; never a 5xx, never a panic.
func FuzzAPIBodies(f *testing.F) {
	handler := newFuzzAPI(f)
	for i, b := range apiBodies {
		f.Add(uint8(i), b.seed)
		f.Add(uint8(i), "")
		f.Add(uint8(i), "{")
		f.Add(uint8(i), `{"slot_id":"1","patient":[]}`)
		f.Add(uint8(i), `{"patient":{"birth_date":"1980-02-30","health_number":"ſREE80011212"}}`)
		f.Add(uint8(i), b.seed+"{}")
	}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		path := apiBodies[int(route)%len(apiBodies)].path
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.RemoteAddr = "192.0.2.9:40000"
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("POST %s %q: status %d: %s", path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var problem map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &problem); err != nil {
				t.Fatalf("POST %s %q: status %d and no JSON problem: %s", path, body, rec.Code, rec.Body)
			}
		}
	})
}

// newFuzzAPI is newTestAPI's handler, real store and all, made once for a
// whole fuzz run (newTestAPI's document check wants a *testing.T).
func newFuzzAPI(f *testing.F) http.Handler {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "rdv.db"), sqlite.Options{})
	if err != nil {
		f.Fatalf("open store: %v", err)
	}
	f.Cleanup(func() { _ = store.Close() })
	storetest.MustLoad(f, store, storetest.SmallNetwork(testStart))
	index := storetest.MustBuildIndex(f, store, testNow)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clock := storetest.NewClock(testNow)
	engine := booking.New(store, index, booking.Config{MaxLiveHolds: 3, MaxAddressHolds: 3, Now: clock.Now}, log)
	// Requests go through a spool into a matcher, as rdv serve wires them.
	m := match.New(store, index, match.Config{Now: clock.Now}, log)
	sp, err := spool.Open(filepath.Join(f.TempDir(), "requests.spool"), m.Feed(store), spool.Options{Log: log})
	if err != nil {
		f.Fatalf("open spool: %v", err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = sp.Run(runCtx) }()
	f.Cleanup(func() { cancel(); <-done; _ = sp.Close() })
	return New(Deps{Engine: engine, Index: index, Store: store, Log: log, Requests: sp, Matcher: m,
		Ready: func(ctx context.Context) error { _, err := store.Empty(ctx); return err }})
}

// FuzzBearer: whatever a client puts in its Authorization header, the
// token read is the header's after a "Bearer " in any case, trimmed, or
// none; a token no admin made opens no token route (401 with a problem
// document), never a 5xx.
func FuzzBearer(f *testing.F) {
	handler := newFuzzAPI(f)
	for _, h := range []string{"Bearer rdvk_Zm9ybS10b2tlbg", "bearer  rdvk_x ", "BEARER\trdvk_x", "Bearer ", "Bearer", "Basic dXNlcjpwYXNz",
		"Bearer " + strings.Repeat("a", 201), "Bearer é\x00\xff", "Bearer ééééééé", ""} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, header string) {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/clinic/agenda", nil)
		req.RemoteAddr = "192.0.2.9:40000"
		req.Header.Set("Authorization", header)
		b := bearer(req)
		if b != "" && (len(header) < 7 || !strings.EqualFold(header[:7], "Bearer ") || b != strings.TrimSpace(header[7:])) {
			t.Fatalf("%q read as token %q", header, b)
		}
		if c := TokenClient(req); (b == "") != (c == "") || len(c) > len("token:")+rdv.TokenPrefixLen {
			t.Fatalf("%q counted as %q", header, c)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		var problem map[string]any
		if rec.Code != http.StatusUnauthorized || json.Unmarshal(rec.Body.Bytes(), &problem) != nil {
			t.Fatalf("%q: status %d: %s", header, rec.Code, rec.Body)
		}
	})
}
