package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"rdv"
	"rdv/route"
)

// The platform's degraded modes as pages see them: read-only mode, which
// an operator switches on for every instance, refuses every booking write
// with a clear page while search keeps working; and the status banner
// says which modes are on, above the operator's own text.

// modesTTL is how long an instance keeps the switches it last read: a
// flood of writes reads the database once per modesTTL.
const modesTTL = 2 * time.Second

// modes returns the operators' switches, read again when older than
// modesTTL; while the store cannot be read, the last ones hold.
func (s *Server) modes(ctx context.Context) rdv.Modes {
	return s.modeCache.get(ctx, modesTTL, s.d.Store.Modes, s.log, "modes read failed; keeping the last ones")
}

// setModesCached makes this instance follow m at once, after it was
// written to the store.
func (s *Server) setModesCached(m rdv.Modes) {
	s.modeCache.set(m)
}

// modeNotice is one line of the banner's modes: a catalog key and, for
// a mode that leaves patients another way in, a link to it.
type modeNotice struct {
	Key     string
	Link    string // "" for none
	LinkKey string // catalog key of the link's text
}

// modeNotices returns the modes in force, for the banner.
func (s *Server) modeNotices(ctx context.Context) []modeNotice {
	var notices []modeNotice
	// Forms-only mode is only worth announcing where the form can take
	// the request; without the spool it would send patients to a 503.
	if s.d.Requests != nil && s.databaseDown(ctx) {
		notices = append(notices, modeNotice{Key: "mode.forms_only", Link: "/demande", LinkKey: "mode.forms_only.link"})
	}
	if s.modes(ctx).ReadOnly {
		n := modeNotice{Key: "mode.read_only"}
		if s.d.Requests != nil {
			n.Link, n.LinkKey = "/demande", "mode.forms_only.link"
		}
		notices = append(notices, n)
	}
	if s.d.WaitingRoomOpen != nil && s.d.WaitingRoomOpen(time.Now()) {
		notices = append(notices, modeNotice{Key: "mode.waiting_room"})
	}
	return notices
}

// refuseReadOnly answers a page's write that read-only mode refuses
// (its route's rule, see routes.go): 503 with the page that says what
// still works. Reads, search first, go on as usual.
func (s *Server) refuseReadOnly(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "60")
	s.render(w, r, http.StatusServiceUnavailable, "read_only", &page{Title: "mode.read_only.title",
		Data: readOnlyData{RequestURL: s.requestFormURL(nil)}})
}

// refuseAPIWritesWhenReadOnly answers 503 in the API's JSON error format
// to every request whose route read-only mode refuses (the API's table:
// every write but the appointment requests, which go to the durable
// spool, not to bookings), while the mode is on.
func (s *Server) refuseAPIWritesWhenReadOnly(routes *route.Table, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if routes.Lookup(r).ReadOnly != route.Refused || !s.modes(r.Context()).ReadOnly {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Retry-After", "60")
		lang := langOf(r.Context())
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusServiceUnavailable)
		b := []byte(`{"error":{"code":"read_only","message":`)
		b = appendJSONString(b, translate(lang, "mode.read_only.refused"))
		_, _ = w.Write(append(b, "}}\n"...))
	})
}

// readOnlyData is what the page of a write refused in read-only mode
// shows: what still works, with the request form's link ("" when the
// form takes no requests).
type readOnlyData struct{ RequestURL string }

// requestFormURL links the request form with a search's service and
// place, or returns "" when there is no form to send people to.
func (s *Server) requestFormURL(search url.Values) string {
	if s.d.Requests == nil {
		return ""
	}
	v := url.Values{}
	for _, k := range []string{"service", "lieu"} {
		if x := search.Get(k); x != "" {
			v.Set(k, x)
		}
	}
	if len(v) == 0 {
		return "/demande"
	}
	return "/demande?" + v.Encode()
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < 0x20 || r == '<' || r == '>' || r == '&':
			b = append(b, `\u00`...)
			b = append(b, "0123456789abcdef"[r>>4], "0123456789abcdef"[r&15])
		default:
			b = append(b, string(r)...)
		}
	}
	return append(b, '"')
}

// modesData is what the switches' page shows.
type modesData struct {
	Modes           rdv.Modes
	WaitingRoomOpen bool // open now, by the switch or automatically
}

// modesPage shows the operators' switches.
func (s *Server) modesPage(w http.ResponseWriter, r *http.Request) {
	p := &page{Title: "op.modes.title", Data: modesData{
		Modes:           s.modes(r.Context()),
		WaitingRoomOpen: s.d.WaitingRoomOpen != nil && s.d.WaitingRoomOpen(time.Now()),
	}}
	if r.URL.Query().Get("avis") == "modes_set" {
		p.Notice = p.T("op.notice.modes_set")
	}
	s.render(w, r, http.StatusOK, "operator_modes", p)
}

// setModes writes the operators' switches from the console.
func (s *Server) setModes(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a, _ := s.account(r)
	m := rdv.Modes{
		ReadOnly:    r.PostForm.Get("read_only") == "on",
		WaitingRoom: r.PostForm.Get("waiting_room") == "on",
		SetBy:       a.ID,
		SetAt:       time.Now(),
	}
	if err := s.d.Store.SetModes(r.Context(), m); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setModesCached(m)
	s.log.InfoContext(r.Context(), "modes changed", "account", a.ID, "read_only", m.ReadOnly, "waiting_room", m.WaitingRoom)
	http.Redirect(w, r, "/operateur/modes?avis=modes_set", http.StatusSeeOther)
}
