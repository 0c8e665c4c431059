package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"rdv"
	"rdv/admission"
	"rdv/route"
	"rdv/sqlite"
	"rdv/waitroom"
)

// The answers checked here are written by middleware in front of the API
// (the waiting room, admission control), not by this package: nothing else
// would notice when they drift from what the document promises clients.

// checkMiddlewareAnswer checks that rec, answered to method path, has a
// status the document lists for that operation, a Retry-After, and a body
// that validates against the documented schema. It returns the body.
func checkMiddlewareAnswer(t *testing.T, doc *openAPI, method, path string, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	op, ok := doc.Paths[path][strings.ToLower(method)]
	if !ok {
		t.Fatalf("%s %s is not documented", method, path)
	}
	r, ok := op.Responses[strconv.Itoa(rec.Code)]
	if !ok {
		t.Fatalf("%s %s answered %d, which is not documented: %s", method, path, rec.Code, rec.Body)
	}
	r, err := doc.resolveResponse(r)
	if err != nil {
		t.Fatal(err)
	}
	if secs, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || secs < 1 {
		t.Errorf("%s %s %d: Retry-After %q, want whole seconds", method, path, rec.Code, rec.Header().Get("Retry-After"))
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s %d: content type %q", method, path, rec.Code, ct)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("%s %s %d: not JSON: %v: %s", method, path, rec.Code, err, rec.Body)
	}
	if err := doc.validate(r.Content["application/json"].Schema, body, "body"); err != nil {
		t.Errorf("%s %s %d: %v; body %s", method, path, rec.Code, err, rec.Body)
	}
	return body
}

func errorCode(body map[string]any) any {
	e, _ := body["error"].(map[string]any)
	return e["code"]
}

// apiTable is the API's route table, which admission control classifies
// by.
var apiTable = func() *route.Table {
	t, err := route.NewTable(Routes())
	if err != nil {
		panic(err)
	}
	return t
}()

// guardedOperations returns the documented operations that admission
// control guards, with a concrete path for each: the route table's class
// decides, so that a route made exempt or added later is followed
// without editing this test.
func guardedOperations(doc *openAPI) (ops [][2]string) {
	for path, byMethod := range doc.Paths {
		for method := range byMethod {
			target := strings.ReplaceAll(path, "{id}", "1")
			if apiTable.Class(httptest.NewRequest(strings.ToUpper(method), target, nil)) == admission.Exempt {
				continue
			}
			ops = append(ops, [2]string{strings.ToUpper(method), path})
		}
	}
	return ops
}

func TestWaitingRoomAnswerIsDocumented(t *testing.T) {
	t.Parallel()
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "rdv.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	now := time.Date(2031, time.March, 3, 14, 0, 0, 0, time.UTC)
	room, err := waitroom.New(store, store, waitroom.Config{
		Secret:    []byte(strings.Repeat("s", 32)),
		PerSecond: 1,
		Session:   10 * time.Minute,
		Format:    apiTable.Format,
		Now:       func() time.Time { return now },
	}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("new room: %v", err)
	}
	if err := store.SetModes(t.Context(), rdv.Modes{WaitingRoom: true}); err != nil {
		t.Fatalf("open the room: %v", err)
	}
	room.Step(t.Context())
	h := room.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("%s let past the room", r.URL)
	}))
	doc := loadDocument(t)
	const target = "/api/v1/slots?service=general"

	send := func(cookies []*http.Cookie) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	place := func(body map[string]any) map[string]any {
		t.Helper()
		if errorCode(body) != "waiting_room" {
			t.Fatalf("code %v, want waiting_room", errorCode(body))
		}
		wr, ok := body["waiting_room"].(map[string]any)
		if !ok {
			t.Fatalf("no waiting_room object in %v", body)
		}
		return wr
	}

	// A first visit, without cookies, draws no number: the document says
	// ticket 0 means come back with the cookies received.
	first := send(nil)
	if first.Code != http.StatusServiceUnavailable {
		t.Fatalf("first visit: %d, want 503", first.Code)
	}
	wr := place(checkMiddlewareAnswer(t, doc, http.MethodGet, "/api/v1/slots", first))
	if wr["ticket"] != 0.0 || wr["retry_after_seconds"] != 1.0 || first.Header().Get("Retry-After") != "1" {
		t.Errorf("first visit: %v, Retry-After %q; want ticket 0, back in 1 s", wr, first.Header().Get("Retry-After"))
	}
	cookies := first.Result().Cookies()
	if len(cookies) == 0 {
		t.Fatal("first visit set no cookie to come back with")
	}

	second := send(cookies)
	if second.Code != http.StatusServiceUnavailable {
		t.Fatalf("second visit: %d, want 503", second.Code)
	}
	wr = place(checkMiddlewareAnswer(t, doc, http.MethodGet, "/api/v1/slots", second))
	if n, _ := wr["ticket"].(float64); n < 1 {
		t.Errorf("second visit with the cookies: %v, want a number drawn", wr)
	}
	if s, _ := strconv.Atoi(second.Header().Get("Retry-After")); float64(s) != wr["retry_after_seconds"] {
		t.Errorf("retry_after_seconds %v, Retry-After %q: want the same", wr["retry_after_seconds"], second.Header().Get("Retry-After"))
	}
}

func TestRateLimitedAnswerIsDocumented(t *testing.T) {
	t.Parallel()
	doc := loadDocument(t)
	ops := guardedOperations(doc)
	if len(ops) == 0 {
		t.Fatal("no operation behind admission control")
	}
	frozen := time.Date(2031, time.March, 3, 14, 0, 0, 0, time.UTC)
	for _, op := range ops {
		method, path := op[0], op[1]
		cfg := admission.DefaultConfig()
		cfg.Now = func() time.Time { return frozen } // no refill: the second request is refused
		cfg.AddressRate, cfg.AddressBurst = 1, 1
		cfg.Format = apiTable.Format
		c, err := admission.New(cfg, prometheus.NewRegistry(), nil)
		if err != nil {
			t.Fatal(err)
		}
		h := c.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		target := strings.ReplaceAll(path, "{id}", "1")
		var rec *httptest.ResponseRecorder
		for range 3 {
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
			if rec.Code == http.StatusTooManyRequests {
				break
			}
		}
		if rec.Code != http.StatusTooManyRequests {
			t.Fatalf("%s %s: never rate limited, last %d", method, path, rec.Code)
		}
		if body := checkMiddlewareAnswer(t, doc, method, path, rec); errorCode(body) != admission.CodeRateLimited {
			t.Errorf("%s %s: code %v, want %s", method, path, errorCode(body), admission.CodeRateLimited)
		}
	}
}

func TestSheddingAnswerIsDocumented(t *testing.T) {
	t.Parallel()
	doc := loadDocument(t)
	cfg := admission.DefaultConfig()
	cfg.ClientLimits = false
	cfg.InitialLimit, cfg.MinLimit, cfg.MaxLimit = 1, 1, 1
	cfg.MaxQueue = 1 // only confirmations may wait; the rest is refused at once
	cfg.Classify, cfg.Format = apiTable.Class, apiTable.Format
	c, err := admission.New(cfg, prometheus.NewRegistry(), nil)
	if err != nil {
		t.Fatal(err)
	}
	entered, leave, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	h := c.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("block") != "" {
			entered <- struct{}{}
			<-leave
		}
	}))
	go func() {
		defer close(done)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/api/v1/appointments?block=1", nil))
	}()
	<-entered
	defer func() { close(leave); <-done }()

	checked := 0
	for _, op := range guardedOperations(doc) {
		method, path := op[0], op[1]
		target := strings.ReplaceAll(path, "{id}", "1")
		req := httptest.NewRequest(method, target, nil)
		if apiTable.Class(req) == admission.Critical {
			continue // it would queue for the only place, not be refused
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s %s under saturation: %d, want 503", method, path, rec.Code)
		}
		if body := checkMiddlewareAnswer(t, doc, method, path, rec); errorCode(body) != "unavailable" {
			t.Errorf("%s %s: code %v, want unavailable", method, path, errorCode(body))
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no refusal checked")
	}
}
