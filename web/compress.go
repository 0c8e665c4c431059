package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Pages, style sheets, scripts and JSON go out gzip-compressed to clients
// that accept it: a results page is about a tenth of its size compressed,
// which matters on a phone on a weak network while the site is flooded.
// Static files are compressed once, at start (see loadAssets); everything
// else by compress, on the way out.
//
// What is left alone: a client that does not accept gzip (it costs one
// header read), HEAD requests, 304 and bodiless answers, types already
// compressed or not worth it, answers already encoded, and small bodies,
// which gzip makes bigger. Refusals by admission control and the waiting
// room are written in front of this package and never come here.

// minGzipBytes is the smallest body worth compressing: below it gzip's
// header and the time spent gain nothing.
const minGzipBytes = 1024

// gzipWriters reuses compressors: a gzip.Writer holds about 800 KB of
// state, too much to allocate on every page.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
	return w
}}

// compressible are the media types worth compressing.
var compressible = map[string]bool{
	"text/html":                        true,
	"text/css":                         true,
	"text/javascript":                  true,
	"application/javascript":           true,
	"application/json":                 true,
	"application/problem+json":         true,
	"application/fhir+json":            true,
	"application/openapi+json":         true,
	"application/schema+json":          true,
	"application/vnd.oai.openapi+json": true,
	"text/calendar":                    true,
	"text/csv":                         true,
	"text/plain":                       true,
}

// acceptsGzip reports whether the request's Accept-Encoding takes gzip
// (by name or as "*"), not refused with q=0.
func acceptsGzip(r *http.Request) bool {
	ae := r.Header.Get("Accept-Encoding")
	if ae == "" {
		return false
	}
	star := false
	for part := range strings.SplitSeq(ae, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "x-gzip" && name != "*" {
			continue
		}
		ok := !refusedQ(params)
		if name == "*" {
			star = ok
			continue
		}
		return ok
	}
	return star
}

// refusedQ reports whether an Accept-Encoding entry's parameters say q=0.
func refusedQ(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return err == nil && q == 0
		}
	}
	return false
}

// compress gzips the answers of clients that accept it (see above).
func compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || !acceptsGzip(r) {
			next.ServeHTTP(w, r)
			return
		}
		gw := &gzipResponse{ResponseWriter: w}
		defer gw.finish()
		next.ServeHTTP(gw, r)
	})
}

// gzipResponse decides at the status line whether to compress: by type,
// encoding, status and length. When the length is not given it holds the
// first minGzipBytes back to decide.
type gzipResponse struct {
	http.ResponseWriter
	state  gzipState
	status int
	held   bytes.Buffer // body held while the length is unknown
	gz     *gzip.Writer
}

type gzipState int

const (
	gzipUndecided gzipState = iota // no status line yet
	gzipHolding                    // status seen, body held back
	gzipOn                         // compressing
	gzipOff                        // passing through
)

func (w *gzipResponse) WriteHeader(code int) {
	if w.state != gzipUndecided {
		return
	}
	w.status = code
	h := w.Header()
	ctype, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	worth := compressible[ctype] && h.Get("Content-Encoding") == "" &&
		code >= 200 && code != http.StatusNoContent && code != http.StatusNotModified &&
		code != http.StatusPartialContent
	if worth {
		h.Add("Vary", "Accept-Encoding")
	}
	switch {
	case !worth:
		w.passThrough()
	case h.Get("Content-Length") == "":
		w.state = gzipHolding
	default:
		n, err := strconv.Atoi(h.Get("Content-Length"))
		if err != nil || n < minGzipBytes {
			w.passThrough()
		} else {
			w.startGzip()
		}
	}
}

func (w *gzipResponse) passThrough() {
	w.state = gzipOff
	w.ResponseWriter.WriteHeader(w.status)
}

func (w *gzipResponse) startGzip() {
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Encoding", "gzip")
	w.ResponseWriter.WriteHeader(w.status)
	w.gz = gzipWriters.Get().(*gzip.Writer)
	w.gz.Reset(w.ResponseWriter)
	w.state = gzipOn
}

func (w *gzipResponse) Write(b []byte) (int, error) {
	if w.state == gzipUndecided {
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", http.DetectContentType(b))
		}
		w.WriteHeader(http.StatusOK)
	}
	switch w.state {
	case gzipOn:
		return w.gz.Write(b)
	case gzipHolding:
		w.held.Write(b)
		if w.held.Len() < minGzipBytes {
			return len(b), nil
		}
		w.startGzip()
		_, err := w.gz.Write(w.held.Bytes())
		w.held.Reset()
		return len(b), err
	}
	return w.ResponseWriter.Write(b)
}

// Flush sends what is held or compressed so far, for answers that stream.
func (w *gzipResponse) Flush() {
	switch w.state {
	case gzipHolding:
		w.startGzip()
		_, _ = w.gz.Write(w.held.Bytes())
		w.held.Reset()
		fallthrough
	case gzipOn:
		_ = w.gz.Flush()
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *gzipResponse) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish ends the answer: a small held body goes out as it is, a
// compressed one gets its gzip trailer and its compressor goes back to
// the pool.
func (w *gzipResponse) finish() {
	switch w.state {
	case gzipHolding:
		w.Header().Set("Content-Length", strconv.Itoa(w.held.Len()))
		w.ResponseWriter.WriteHeader(w.status)
		_, _ = w.ResponseWriter.Write(w.held.Bytes())
	case gzipOn:
		_ = w.gz.Close()
		w.gz.Reset(io.Discard)
		gzipWriters.Put(w.gz)
	}
}

// gzipOnce compresses a static file at start, as well as gzip can; nil
// when that does not make it smaller.
func gzipOnce(body []byte) []byte {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil
	}
	if _, err := zw.Write(body); err != nil || zw.Close() != nil || buf.Len() >= len(body) {
		return nil
	}
	return buf.Bytes()
}
