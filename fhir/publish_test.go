package fhir

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type manifestDoc struct {
	TransactionTime string `json:"transactionTime"`
	Request         string `json:"request"`
	Output          []struct {
		Type, URL string
	} `json:"output"`
	Error []any `json:"error"`
}

func TestBulkPublish(t *testing.T) {
	f := newTestFHIR(t)
	if res := f.do("GET", "/fhir/$bulk-publish", nil); res.status != 503 {
		t.Errorf("before the first build: %d %s", res.status, res.body)
	}
	first := f.srv.pub.build(f.engine.Now())
	res := f.do("GET", "/fhir/$bulk-publish", nil)
	var m manifestDoc
	f.decode(res, &m)
	if res.status != 200 || len(m.Output) != 6 || m.Request != publicURL+"/fhir/$bulk-publish" || res.header.Get("ETag") == "" {
		t.Fatalf("manifest %d %s", res.status, res.body)
	}
	etag := res.header.Get("ETag")
	if res := f.do("GET", "/fhir/$bulk-publish", nil, "If-None-Match: "+etag); res.status != http.StatusNotModified || len(res.body) != 0 {
		t.Errorf("If-None-Match: %d", res.status)
	}
	slot1 := f.do("GET", "/fhir/$bulk-publish/Slot-1.ndjson", nil)
	gz := f.do("GET", "/fhir/$bulk-publish/Slot-1.ndjson", nil, "Accept-Encoding: gzip")
	lines := strings.Split(strings.TrimSpace(string(slot1.body)), "\n")
	if slot1.status != 200 || string(gz.body) != string(slot1.body) || gz.header.Get("Content-Encoding") != "gzip" || len(lines) != 2*3*8-1 {
		t.Fatalf("slot file: %d, %d lines, gzip %q", slot1.status, len(lines), gz.header.Get("Content-Encoding"))
	}
	var sl Slot
	if err := json.Unmarshal([]byte(lines[0]), &sl); err != nil || sl.Status != "free" || sl.Extension[0].URL != extBookingDeepLink || !strings.HasPrefix(sl.Schedule.Reference, "Schedule/") {
		t.Errorf("first line %s: %v", lines[0], err)
	}
	slotTag := slot1.header.Get("ETag")

	// A booking at clinic 1 changes its file alone, after the next build.
	f.do("POST", "/fhir/Appointment/$book", params("appointment-reference", Reference{Reference: "Appointment/" + proposedID(slotFree)}, "patient-resource", patient()))
	if f.index.Changes() == first.changes {
		t.Fatal("the booking did not change the index")
	}
	second := f.srv.pub.build(f.engine.Now().Add(time.Minute))
	for name, file := range second.files {
		changed := file.etag != first.files[name].etag
		if changed != (name == "Slot-1.ndjson") {
			t.Errorf("%s changed: %v", name, changed)
		}
	}
	if res := f.do("GET", "/fhir/$bulk-publish/Slot-1.ndjson", nil, "If-None-Match: "+slotTag); res.status != 200 || strings.Count(string(res.body), "\n") != len(lines)-1 {
		t.Errorf("after the booking: %d, %d lines", res.status, strings.Count(string(res.body), "\n"))
	}
	if res := f.do("GET", "/fhir/$bulk-publish/Slot-3.ndjson", nil, "If-None-Match: "+first.files["Slot-3.ndjson"].etag); res.status != http.StatusNotModified {
		t.Errorf("an unchanged file: %d", res.status)
	}
	res = f.do("GET", "/fhir/$bulk-publish?_since="+first.at.Format(time.RFC3339Nano), nil)
	f.decode(res, &m)
	if len(m.Output) != 1 || !strings.HasSuffix(m.Output[0].URL, "/Slot-1.ndjson") {
		t.Errorf("_since: %s", res.body)
	}
	if res := f.do("GET", "/fhir/$bulk-publish?_since=yesterday", nil); res.status != 400 {
		t.Errorf("bad _since: %d", res.status)
	}
	if res := f.do("GET", "/fhir/$bulk-publish/Slot-99.ndjson", nil); res.status != 404 {
		t.Errorf("unknown file: %d", res.status)
	}
}

// The builder rebuilds when the index changed, and not more often than
// PublishEvery, whatever the rate of changes.
func TestPublishIsDueOnChangeOnly(t *testing.T) {
	at := time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)
	cur := &snapshot{at: at, changes: 7}
	tests := []struct {
		name    string
		cur     *snapshot
		changes uint64
		now     time.Time
		want    bool
	}{
		{"nothing built yet", nil, 0, at, true},
		{"nothing changed, long after", cur, 7, at.Add(time.Hour), false},
		{"changed, too soon", cur, 8, at.Add(29 * time.Second), false},
		{"changed, time come", cur, 8, at.Add(30 * time.Second), true},
	}
	for _, tt := range tests {
		if got := due(tt.cur, tt.changes, tt.now, 30*time.Second); got != tt.want {
			t.Errorf("%s: due %v, want %v", tt.name, got, tt.want)
		}
	}
}

// BenchmarkBulkPublishNotModified measures aggregators' polls, each with
// If-None-Match, of the manifest and a slot file through a real HTTP
// server: the rate SMART Scheduling Links clients cost (want ≥ 1,000/s).
func BenchmarkBulkPublishNotModified(b *testing.B) {
	f := newTestFHIR(&testing.T{})
	f.srv.pub.build(f.engine.Now())
	srv := httptest.NewServer(f.srv)
	defer srv.Close()
	tags := map[string]string{}
	for _, path := range []string{"/fhir/$bulk-publish", "/fhir/$bulk-publish/Slot-1.ndjson"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
		tags[path] = res.Header.Get("ETag")
	}
	client := srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	var notModified atomic.Int64
	var once sync.Once
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			path := "/fhir/$bulk-publish"
			if i%2 == 1 {
				path = "/fhir/$bulk-publish/Slot-1.ndjson"
			}
			i++
			req, _ := http.NewRequest("GET", srv.URL+path, nil)
			req.Header.Set("If-None-Match", tags[path])
			res, err := client.Do(req)
			if err != nil {
				once.Do(func() { b.Error(err) })
				return
			}
			res.Body.Close()
			if res.StatusCode == http.StatusNotModified {
				notModified.Add(1)
			}
		}
	})
	elapsed := time.Since(start)
	if int(notModified.Load()) != b.N {
		b.Errorf("%d of %d polls answered 304", notModified.Load(), b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "polls/s")
}

// Unchanged answers the polls whose copy is current exactly as the
// routes would, headers included, without next; every other request
// reaches next.
func TestUnchangedAnswersPollsBeforeTheSite(t *testing.T) {
	f := newTestFHIR(t)
	var reached atomic.Int64
	front := f.srv.Unchanged(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		f.srv.ServeHTTP(w, r)
	}))
	poll := func(method, target, etag string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, target, nil)
		if etag != "" {
			r.Header.Set("If-None-Match", etag)
		}
		w := httptest.NewRecorder()
		front.ServeHTTP(w, r)
		return w
	}
	if w := poll("GET", "/fhir/$bulk-publish", `"x"`); w.Code != 503 || reached.Load() != 1 {
		t.Fatalf("before the first build: %d, reached %d", w.Code, reached.Load())
	}
	snap := f.srv.pub.build(f.engine.Now())
	file := snap.files["Slot-1.ndjson"]
	tests := []struct {
		name, method, target, etag string
		early                      bool // answered by Unchanged
	}{
		{"manifest, current", "GET", "/fhir/$bulk-publish", snap.etag, true},
		{"manifest, current among others", "GET", "/fhir/$bulk-publish", `"old", ` + snap.etag, true},
		{"manifest, HEAD", "HEAD", "/fhir/$bulk-publish", snap.etag, true},
		{"file, current", "GET", "/fhir/$bulk-publish/Slot-1.ndjson", file.etag, true},
		{"file, weak", "GET", "/fhir/$bulk-publish/Slot-1.ndjson", "W/" + file.etag, true},
		{"manifest, stale", "GET", "/fhir/$bulk-publish", `"old"`, false},
		{"manifest, no If-None-Match", "GET", "/fhir/$bulk-publish", "", false},
		{"manifest with _since", "GET", "/fhir/$bulk-publish?_since=" + snap.at.Format(time.RFC3339Nano), snap.etag, false},
		{"file, another's tag", "GET", "/fhir/$bulk-publish/Slot-2.ndjson", file.etag, false},
		{"unknown file", "GET", "/fhir/$bulk-publish/Slot-99.ndjson", file.etag, false},
		{"a path that only starts alike", "GET", "/fhir/$bulk-publisher", snap.etag, false},
		{"POST", "POST", "/fhir/$bulk-publish", snap.etag, false},
		{"another resource", "GET", "/fhir/metadata", snap.etag, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, answered := reached.Load(), f.srv.UnchangedAnswered()
			got := poll(tt.method, tt.target, tt.etag)
			if early := reached.Load() == before; early != tt.early {
				t.Fatalf("answered before the site: %v, want %v (status %d)", early, tt.early, got.Code)
			}
			if !tt.early {
				return
			}
			if n := f.srv.UnchangedAnswered() - answered; n != 1 {
				t.Errorf("counted %d", n)
			}
			// The route's own answer to the same request.
			r := httptest.NewRequest(tt.method, tt.target, nil)
			r.Header.Set("If-None-Match", tt.etag)
			want := httptest.NewRecorder()
			f.srv.ServeHTTP(want, r)
			if got.Code != http.StatusNotModified || want.Code != got.Code || got.Body.Len() != 0 {
				t.Errorf("status %d (route %d), %d bytes", got.Code, want.Code, got.Body.Len())
			}
			for k := range want.Header() {
				if got.Header().Get(k) != want.Header().Get(k) {
					t.Errorf("%s: %q, the route says %q", k, got.Header().Get(k), want.Header().Get(k))
				}
			}
		})
	}
}
