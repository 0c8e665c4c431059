package fhir

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash/fnv"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"rdv"
	"rdv/availability"
)

// SMART Scheduling Links (publish.go): aggregators poll a manifest,
// /fhir/$bulk-publish, every minute or so, and fetch the NDJSON files it
// lists: the clinics (Location), the practitioners at them
// (PractitionerRole), their schedules (Schedule) and the free slots
// (Slot), one slot file per clinic, each slot with a booking deep link
// into rdv's pages and the clinic's phone.
//
// Polling must cost booking nothing, so the files are built ahead, not
// per request: a builder reads the index (never the store) when the
// index has changed (Index.Changes) and at most once every PublishEvery,
// and publishes an immutable snapshot through an atomic pointer. A
// clinic whose slots did not change keeps its file, its ETag and its
// modification time, so that If-None-Match answers 304 and _since lists
// only the files that changed. Files are kept gzip-compressed (a
// clinic's eight weeks of slots shrink about twentyfold) and sent so to
// clients that accept gzip, which every aggregator does; the rare other
// client gets them inflated on the fly.
//
// The index holds bookable slots only: the files publish free slots, not
// busy ones (SMART asks for busy ones only as a SHOULD, to show
// capacity).

// publisher keeps the current snapshot of the files.
type publisher struct {
	s         *Server
	snap      atomic.Pointer[snapshot]
	unchanged atomic.Int64 // polls Server.Unchanged answered 304

	mu    sync.Mutex              // one build at a time
	slots map[int64]*builtSlots   // per clinic, the last build, for reuse
	other map[string]*publishFile // the other files' last build
}

// builtSlots is a clinic's slot file and the fingerprint of the slots it
// was built from.
type builtSlots struct {
	sum  uint64
	file *publishFile
}

// snapshot is one publication: every file, and the manifest without
// _since, ready to send.
type snapshot struct {
	at       time.Time // transactionTime
	changes  uint64    // the index's Changes when built
	files    map[string]*publishFile
	order    []*publishFile
	manifest []byte
	etag     string
}

// publishFile is one NDJSON file.
type publishFile struct {
	name, typ string
	gz        []byte
	size      int // bytes inflated
	etag      string
	modified  time.Time
}

func newPublisher(s *Server) *publisher {
	return &publisher{s: s, slots: map[int64]*builtSlots{}, other: map[string]*publishFile{}}
}

// run builds at once, then again whenever the index has changed and the
// last build is PublishEvery old.
func (p *publisher) run(ctx context.Context) error {
	p.build(p.s.d.Engine.Now())
	t := time.NewTicker(min(time.Second, p.s.d.PublishEvery))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		now := p.s.d.Engine.Now()
		if due(p.snap.Load(), p.s.d.Index.Changes(), now, p.s.d.PublishEvery) {
			p.build(now)
		}
	}
}

// due reports whether a new build is wanted: none yet, or the index has
// changed since cur and cur is at least every old.
func due(cur *snapshot, changes uint64, now time.Time, every time.Duration) bool {
	return cur == nil || (cur.changes != changes && now.Sub(cur.at) >= every)
}

// build publishes a new snapshot of the index as it is now.
func (p *publisher) build(now time.Time) *snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	changes := p.s.d.Index.Changes()
	snap := &snapshot{at: now.UTC().Truncate(time.Millisecond), changes: changes, files: map[string]*publishFile{}}
	add := func(f *publishFile) {
		snap.files[f.name] = f
		snap.order = append(snap.order, f)
	}
	clinics := p.s.d.Index.Clinics()
	practs := p.s.d.Index.Practitioners()
	var locs, roles, scheds [][]byte
	for _, c := range clinics {
		locs = append(locs, mustJSON(p.s.location(c)))
	}
	byClinic := map[int64]rdv.Clinic{}
	for _, c := range clinics {
		byClinic[c.ID] = c
	}
	for _, pr := range practs {
		c, ok := byClinic[pr.ClinicID]
		if !ok {
			continue
		}
		roles = append(roles, mustJSON(p.s.role(pr, c, "fr")))
		for _, svc := range pr.Services {
			scheds = append(scheds, mustJSON(p.s.schedule(pr, c, svc, "fr")))
		}
	}
	add(p.reuse("Location.ndjson", "Location", locs, snap.at))
	add(p.reuse("PractitionerRole.ndjson", "PractitionerRole", roles, snap.at))
	add(p.reuse("Schedule.ndjson", "Schedule", scheds, snap.at))
	var buf []availability.Result
	for _, c := range clinics {
		buf = p.s.d.Index.ClinicSlots(c.ID, "", now, time.Time{}, false, buf[:0])
		sum := fingerprint(buf)
		prev := p.slots[c.ID]
		if prev == nil || prev.sum != sum {
			prev = &builtSlots{sum: sum, file: p.slotFile(c, buf, snap.at)}
			p.slots[c.ID] = prev
		}
		add(prev.file)
	}
	snap.manifest, snap.etag = p.manifestOf(snap, time.Time{})
	p.snap.Store(snap)
	return snap
}

// reuse keeps a file whose lines did not change, with its time.
func (p *publisher) reuse(name, typ string, lines [][]byte, at time.Time) *publishFile {
	f := newFile(name, typ, bytes.Join(append(lines, nil), []byte("\n")), at)
	if prev := p.other[name]; prev != nil && prev.etag == f.etag {
		return prev
	}
	p.other[name] = f
	return f
}

func newFile(name, typ string, raw []byte, at time.Time) *publishFile {
	sum := sha256.Sum256(raw)
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	_, _ = zw.Write(raw) // a bytes.Buffer does not fail
	_ = zw.Close()
	return &publishFile{name: name, typ: typ, gz: gz.Bytes(), size: len(raw), etag: `"` + hex.EncodeToString(sum[:12]) + `"`, modified: at}
}

// fingerprint sums what a clinic's slot file shows of its slots.
func fingerprint(rs []availability.Result) uint64 {
	h := fnv.New64a()
	var b [40]byte
	for _, r := range rs {
		x := strconv.AppendInt(b[:0], r.SlotID, 10)
		x = append(x, ' ')
		x = strconv.AppendInt(x, r.Start.Unix(), 10)
		x = append(x, ' ')
		x = strconv.AppendInt(x, int64(r.End.Sub(r.Start)), 10)
		x = append(x, ' ')
		x = strconv.AppendInt(x, r.PractitionerID, 10)
		x = append(x, string(r.Service)...)
		_, _ = h.Write(x)
	}
	return h.Sum64()
}

// slotFile writes a clinic's free slots, one minified Slot a line. The
// lines are appended by hand: a full build writes the whole network's
// slots, and this is its only cost worth counting.
func (p *publisher) slotFile(c rdv.Clinic, rs []availability.Result, at time.Time) *publishFile {
	link := p.s.d.PublicURL + "/recherche/clinique/" + idOf(c.ID) + "?" + url.Values{"lieu": {c.City}}.Encode()
	tail := []byte{}
	if c.Phone != "" {
		tail = append(tail, `,{"url":"`+extBookingPhone+`","valueString":`...)
		tail = append(tail, mustJSON(c.Phone)...)
		tail = append(tail, '}')
	}
	var b []byte
	for _, r := range rs {
		b = append(b, `{"resourceType":"Slot","id":"`...)
		b = strconv.AppendInt(b, r.SlotID, 10)
		b = append(b, `","extension":[{"url":"`+extBookingDeepLink+`","valueUrl":`...)
		b = appendJSONString(b, link+"&service="+string(r.Service)+"&du="+rdv.DateOf(r.Start).String())
		b = append(b, '}')
		b = append(b, tail...)
		b = append(b, `],"schedule":{"reference":"Schedule/`...)
		b = strconv.AppendInt(b, r.PractitionerID, 10)
		b = append(b, '-')
		b = append(b, r.Service...)
		b = append(b, `"},"status":"free","start":"`...)
		b = r.Start.In(rdv.Toronto).AppendFormat(b, time.RFC3339)
		b = append(b, `","end":"`...)
		b = r.End.In(rdv.Toronto).AppendFormat(b, time.RFC3339)
		b = append(b, "\"}\n"...)
	}
	return newFile("Slot-"+idOf(c.ID)+".ndjson", "Slot", b, at)
}

func appendJSONString(b []byte, s string) []byte { return append(b, mustJSON(s)...) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // rdv's own types always encode
	}
	return b
}

// manifestFile is an output of the manifest.
type manifestFile struct {
	Type      string         `json:"type"`
	URL       string         `json:"url"`
	Extension map[string]any `json:"extension,omitempty"`
}

// manifestOf writes the manifest listing the files changed after since
// (all of them for a zero since), and its ETag.
func (p *publisher) manifestOf(snap *snapshot, since time.Time) ([]byte, string) {
	req := p.s.base + "/$bulk-publish"
	if !since.IsZero() {
		req += "?" + url.Values{"_since": {since.Format(time.RFC3339Nano)}}.Encode()
	}
	m := struct {
		TransactionTime string         `json:"transactionTime"`
		Request         string         `json:"request"`
		Output          []manifestFile `json:"output"`
		Error           []any          `json:"error"`
	}{TransactionTime: snap.at.Format("2006-01-02T15:04:05.000Z07:00"), Request: req, Output: []manifestFile{}, Error: []any{}}
	h := sha256.New()
	for _, f := range snap.order {
		if !since.IsZero() && !f.modified.After(since) {
			continue
		}
		m.Output = append(m.Output, manifestFile{Type: f.typ, URL: p.s.base + "/$bulk-publish/" + f.name, Extension: map[string]any{"state": []string{"QC"}}})
		_, _ = io.WriteString(h, f.name+f.etag)
	}
	return mustJSON(m), `"` + hex.EncodeToString(h.Sum(nil)[:12]) + `"`
}

// publishCacheControl tells aggregators how often to come back.
func (s *Server) publishCacheControl() string {
	return "public, max-age=" + strconv.Itoa(int(max(s.d.PublishEvery, time.Minute)/time.Second))
}

// current is the snapshot to serve, or an OperationOutcome when the
// first build has not finished.
func (s *Server) current(w http.ResponseWriter, r *http.Request) *snapshot {
	snap := s.pub.snap.Load()
	if snap == nil {
		w.Header().Set("Retry-After", "5")
		s.fail(w, r, rdv.Errorf(rdv.EUNAVAILABLE, "files not built yet"))
	}
	return snap
}

// manifest answers GET /fhir/$bulk-publish, with _since listing only
// the files changed after it.
func (s *Server) manifest(w http.ResponseWriter, r *http.Request) {
	snap := s.current(w, r)
	if snap == nil {
		return
	}
	body, etag := snap.manifest, snap.etag
	if v := r.URL.Query().Get("_since"); v != "" {
		since, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			s.fail(w, r, badParam("_since"))
			return
		}
		body, etag = s.pub.manifestOf(snap, since)
	}
	h := w.Header()
	s.manifestHeaders(h, etag)
	if etagMatch(r, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// publishedFile answers GET /fhir/$bulk-publish/{file}.
func (s *Server) publishedFile(w http.ResponseWriter, r *http.Request) {
	snap := s.current(w, r)
	if snap == nil {
		return
	}
	f, ok := snap.files[r.PathValue("file")]
	if !ok {
		s.fail(w, r, rdv.Errorf(rdv.ENOTFOUND, "file %q", r.PathValue("file")))
		return
	}
	h := w.Header()
	s.fileHeaders(h, f)
	if etagMatch(r, f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/fhir+ndjson")
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		h.Set("Content-Length", strconv.Itoa(len(f.gz)))
		_, _ = w.Write(f.gz)
		return
	}
	h.Set("Content-Length", strconv.Itoa(f.size))
	zr, err := gzip.NewReader(bytes.NewReader(f.gz))
	if err != nil {
		s.log.Error("fhir: published file unreadable", "file", f.name, "err", err)
		return
	}
	// #nosec G110 -- rdv's own file, compressed by newFile, not outside input
	_, _ = io.Copy(w, zr) // the client went away
}

// manifestHeaders are the headers of the manifest, 304s included.
func (s *Server) manifestHeaders(h http.Header, etag string) {
	h.Set("ETag", etag)
	h.Set("Cache-Control", s.publishCacheControl())
}

// fileHeaders are the headers of a published file, 304s included.
func (s *Server) fileHeaders(h http.Header, f *publishFile) {
	h.Set("ETag", f.etag)
	h.Set("Last-Modified", f.modified.Format(http.TimeFormat))
	h.Set("Cache-Control", s.publishCacheControl())
	h.Set("Vary", "Accept-Encoding")
}

// publishPath is where the manifest is served, and the files below it.
const publishPath = "/fhir/$bulk-publish"

// Unchanged answers an aggregator's poll whose copy is current (a GET of
// the manifest without _since, or of a file, with If-None-Match naming
// its ETag) with a 304 before next runs: polls are most of the files'
// traffic, and the site's middleware (the waiting room, admission, the
// language, the request log, compression) would cost several times the
// map read and the headers that answer them. They are counted
// (UnchangedAnswered), not logged. Every other request, and a poll while
// the first build is not done, goes to next, which answers it as the
// routes do.
func (s *Server) Unchanged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.unchanged(w, r) {
			s.pub.unchanged.Add(1)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// unchanged answers r with a 304 if it is a poll whose copy is current,
// and reports whether it did.
func (s *Server) unchanged(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead || r.URL.RawQuery != "" || r.Header.Get("If-None-Match") == "" {
		return false
	}
	rest, ok := strings.CutPrefix(r.URL.Path, publishPath)
	if !ok {
		return false
	}
	snap := s.pub.snap.Load()
	if snap == nil {
		return false
	}
	switch name, file := strings.CutPrefix(rest, "/"); {
	case rest == "" && etagMatch(r, snap.etag):
		s.manifestHeaders(w.Header(), snap.etag)
	case file && snap.files[name] != nil && etagMatch(r, snap.files[name].etag):
		s.fileHeaders(w.Header(), snap.files[name])
	default:
		return false
	}
	w.WriteHeader(http.StatusNotModified)
	return true
}

// UnchangedAnswered is how many polls Unchanged has answered 304.
func (s *Server) UnchangedAnswered() int64 { return s.pub.unchanged.Load() }

// etagMatch reports whether If-None-Match names etag (or is "*").
func etagMatch(r *http.Request, etag string) bool {
	inm := r.Header.Get("If-None-Match")
	if inm == "" {
		return false
	}
	for _, t := range strings.Split(inm, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether the client takes gzip (q above zero).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if name = strings.ToLower(strings.TrimSpace(name)); name != "gzip" && name != "x-gzip" {
			continue
		}
		return !slices.Contains([]string{"q=0", "q=0.0", "q=0.00", "q=0.000"}, strings.ReplaceAll(strings.TrimSpace(params), " ", ""))
	}
	return false
}
