package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"rdv"
	"rdv/availability"
)

// A hold that ran out keeps what the person typed, the child and the
// guardian included: the page offers the next free time at the same
// clinic for the same service, held with one button whose form carries
// nothing personal (what was typed stays in the hold's sealed draft
// cookie, see held_cookies.go, and moves to the new hold's), or the same
// search again. If that time goes to someone else meanwhile, the page
// says so and offers the next one.

func init() {
	notices["next_taken"] = "expired.next_taken"
}

// expiredData is what the page of a run-out hold shows.
type expiredData struct {
	SearchURL string
	// Kept: what was typed is kept for the next form.
	Kept bool
	// Next is the next free time at the same clinic for the same
	// service, nil when there is none; NextID its slot.
	Next   *slotView
	NextID int64
	Action string // where holding Next posts
	Query  string // the search carried
	Nonce  string
	// PageURL is the hold's page, which app.js puts in the history in
	// place of a post's answer.
	PageURL string
}

// answerUnusable answers a page whose hold cannot be used. typed is what
// the person typed, if anything, which a run-out hold keeps.
func (s *Server) answerUnusable(w http.ResponseWriter, r *http.Request, h rdv.Hold, sl rdv.Slot, state holdState, typed url.Values) {
	if state != holdExpired {
		s.answerUsed(w, r, h)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.sendExpiredBack(w, r, h, typed, "")
		return
	}
	notice := ""
	if r.URL.Query().Get("avis") == "next_taken" {
		notice = notices["next_taken"]
	}
	s.renderExpired(w, r, h, sl, typed, notice)
}

// sendExpiredBack answers a form posted to a run-out hold with a redirect
// to the hold's page (post/redirect/get: Back and reload never post the
// person's details again), keeping what was typed in the hold's sealed
// draft cookie, where that page finds it.
func (s *Server) sendExpiredBack(w http.ResponseWriter, r *http.Request, h rdv.Hold, typed url.Values, notice string) {
	if typed = typedValues(typed); typedSomething(typed) {
		s.setHoldCookie(w, r, draftCookieName, h.ID, draft{Values: typed})
	}
	target := holdPath(h.ID)
	if notice != "" {
		target += "?avis=" + notice
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// renderExpired tells the person the hold ran out, keeps what they typed
// and offers the next free time at the same clinic, or the search again.
func (s *Server) renderExpired(w http.ResponseWriter, r *http.Request, h rdv.Hold, sl rdv.Slot, typed url.Values, noticeKey string) {
	back := s.carriedSearch(r, h.ID)
	if len(back) == 0 {
		// No search carried: the same service from the slot's day, near
		// its clinic's town.
		back = url.Values{"service": {string(sl.Service)}, "du": {rdv.DateOf(sl.Start).String()}}
		if today := rdv.DateOf(s.d.Engine.Now()); rdv.DateOf(sl.Start).Before(today) {
			back.Set("du", today.String())
		}
		if c, ok := s.d.Index.Clinic(sl.ClinicID); ok {
			back.Set("lieu", c.City)
		}
	}
	d := expiredData{
		SearchURL: searchURL(back, ""),
		Action:    holdPath(h.ID) + "/prochain",
		Query:     keepSearch(back).Encode(),
		Nonce:     newNonce(),
		PageURL:   holdPath(h.ID),
	}
	if typed = typedValues(typed); typedSomething(typed) {
		s.setHoldCookie(w, r, draftCookieName, h.ID, draft{Values: typed})
		d.Kept = true
	}
	if next, ok := s.nextAtClinic(sl); ok {
		v := s.viewSlot(next)
		d.Next, d.NextID = &v, next.ID
	}
	p := &page{Title: "expired.title", Data: d}
	if noticeKey != "" {
		p.Notice = translate(langOf(r.Context()), noticeKey)
	}
	s.render(w, r, http.StatusGone, "expired", p)
}

// typedSomething reports whether a person's field holds anything.
func typedSomething(v url.Values) bool {
	for _, prefix := range []string{"", guardianPrefix} {
		for _, pf := range patientFields {
			if strings.TrimSpace(v.Get(prefix+pf.name)) != "" {
				return true
			}
		}
	}
	return false
}

// nextAtClinic finds the next free time at sl's clinic for its service.
func (s *Server) nextAtClinic(sl rdv.Slot) (rdv.Slot, bool) {
	c, ok := s.d.Index.Clinic(sl.ClinicID)
	if !ok {
		return rdv.Slot{}, false
	}
	now := s.d.Engine.Now()
	// At the clinic itself: another clinic may share the building.
	q := availability.Query{
		Lat: c.Lat, Lon: c.Lon, RadiusKm: 1, Service: sl.Service,
		From: now, To: rdv.DateOf(now).AddDays(maxDays).Start(rdv.Toronto), Limit: 20,
	}
	for _, res := range s.d.Index.Search(q, make([]availability.Result, 0, q.Limit)) {
		if res.ClinicID == c.ID {
			return rdv.Slot{ID: res.SlotID, Start: res.Start, End: res.End, Service: res.Service,
				ClinicID: res.ClinicID, PractitionerID: res.PractitionerID}, true
		}
	}
	return rdv.Slot{}, false
}

// holdNext holds the time the page of a run-out hold offered and opens
// its form with what was typed (POST /reservation/{hold}/prochain). A
// time taken meanwhile shows the page again with the next one.
func (s *Server) holdNext(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	old := r.PathValue("hold")
	slotID, err := strconv.ParseInt(r.PostForm.Get("slot_id"), 10, 64)
	if err != nil || slotID <= 0 {
		s.renderError(w, r, http.StatusBadRequest)
		return
	}
	// The route goes past the waiting room because only someone let in
	// holds a hold id: it holds nothing unless that hold exists and ran
	// out, and only the time its page offers, at the same clinic for the
	// same service. Otherwise any made-up id would jump the line.
	oh, oldSlot, state, err := s.findHold(r.Context(), old)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if oh.ID == "" || state != holdExpired {
		s.renderMessage(w, r, http.StatusNotFound, "error.hold_missing")
		return
	}
	if sl, err := s.d.Store.Slot(r.Context(), slotID); err != nil || sl.ClinicID != oldSlot.ClinicID || sl.Service != oldSlot.Service {
		s.renderError(w, r, http.StatusBadRequest)
		return
	}
	back := searchBack(r.PostForm.Get("q"))
	var d draft
	s.holdCookie(r, draftCookieName, old, &d)
	slot := strconv.FormatInt(slotID, 10)
	idem := idemKey("web POST /reservation/prochain", r.PostForm.Get("cle")+":"+slot, url.Values{"slot_id": {slot}})
	if r.PostForm.Get("cle") == "" {
		idem = nil
	}
	h, err := s.d.Engine.HoldFor(r.Context(), s.holdInput(r, slotID), idem)
	switch rdv.ErrorCode(err) {
	case "":
		dropHoldCookie(w, r, draftCookieName, old)
		if typedSomething(d.Values) {
			s.setHoldCookie(w, r, draftCookieName, h.ID, draft{Values: d.Values})
		}
		s.carrySearch(w, r, h.ID, back)
		http.Redirect(w, r, holdPath(h.ID), http.StatusSeeOther) // #nosec G710 -- a path on this site, the ID escaped
	case rdv.ESLOTTAKEN, rdv.ENOTFOUND, rdv.ECONFLICT, rdv.EGONE, rdv.EFORBIDDEN:
		s.sendExpiredBack(w, r, oh, d.Values, "next_taken")
	case rdv.ETOOMANYHOLDS:
		http.Redirect(w, r, searchURL(back, "too_many"), http.StatusSeeOther) // #nosec G710 -- /recherche or /, with a query of kept fields
	default:
		s.fail(w, r, err)
	}
}
