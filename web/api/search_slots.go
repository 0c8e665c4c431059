package api

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"rdv/availability"
)

// searchBuffers are reused across searches so that a search allocates
// almost nothing: the parsed query, the index's results and the JSON.
type searchBuffers struct {
	params  searchParams
	results []availability.Result
	body    []byte
}

var searchPool = sync.Pool{New: func() any {
	return &searchBuffers{
		results: make([]availability.Result, 0, maxLimit),
		body:    make([]byte, 0, 16<<10),
	}
}}

// Shared header values: net/http only reads them, so one slice serves every
// response and saves an allocation per header per request.
var (
	hdrJSON        = []string{"application/json; charset=utf-8"}
	hdrSearchCache = []string{"public, max-age=5"}
)

// searchSlots answers GET /api/v1/slots: the earliest public slots near a
// point or place, ordered by start then distance.
func (s *server) searchSlots(w http.ResponseWriter, r *http.Request) {
	buf := searchPool.Get().(*searchBuffers)
	defer searchPool.Put(buf)
	if err := parseSearch(&buf.params, r.URL.RawQuery, s.now()); err != nil {
		s.fail(w, r, err)
		return
	}
	res := buf.results[:0]
	if !buf.params.empty {
		res = s.Index.Search(buf.params.q, res)
	}
	b := append(buf.body[:0], `{"slots":[`...)
	for i, x := range res {
		if i > 0 {
			b = append(b, ',')
		}
		b = s.appendSlot(b, x, true)
	}
	b = append(b, ']')
	if len(res) == 0 {
		b = s.appendNextFree(b, buf.params.q)
	}
	b = append(b, "}\n"...)
	// Keep grown buffers for the next search, but let an outsized one go.
	if cap(b) <= 1<<20 {
		buf.body = b[:0]
	}
	if cap(res) <= 4*maxLimit {
		buf.results = res[:0]
	}
	h := w.Header()
	h["Content-Type"] = hdrJSON
	h["Cache-Control"] = hdrSearchCache
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	_, _ = w.Write(b) // the client went away; nothing to do
}

// now is the engine's clock, so that tests moving it move search too.
func (s *server) now() time.Time {
	if s.Engine != nil {
		return s.Engine.Now()
	}
	return time.Now()
}
