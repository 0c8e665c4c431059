package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/availability"
)

// rescheduling is an appointment booked on a fresh site, with the parts of
// its link.
type rescheduling struct {
	s      *site
	lang   string
	id     int64
	token  string
	before rdv.Appointment
}

func newRescheduling(t *testing.T, lang string) *rescheduling {
	t.Helper()
	s := mustOpenSite(t)
	apptURL, page := bookFirst(t, s, lang)
	u, err := url.Parse(apptURL)
	if err != nil {
		t.Fatal(err)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(u.Path, "/rendez-vous/"), 10, 64)
	if err != nil {
		t.Fatalf("appointment link %s: %v", apptURL, err)
	}
	rs := &rescheduling{s: s, lang: lang, id: id, token: u.Query().Get("token")}
	if !strings.Contains(page, htmlText(rescheduleURL(id, rs.token, ""))) {
		t.Fatalf("the appointment page has no link to change the time")
	}
	rs.before = rs.appointment(t)
	return rs
}

func (rs *rescheduling) appointment(t *testing.T) rdv.Appointment {
	t.Helper()
	a, err := rs.s.engine.Appointment(context.Background(), rs.id, rs.token)
	if err != nil {
		t.Fatalf("appointment %d: %v", rs.id, err)
	}
	return a
}

// list opens the list of other times and returns the hidden fields of the
// first time's form.
func (rs *rescheduling) list(t *testing.T) url.Values {
	t.Helper()
	page := rs.s.get(rescheduleURL(rs.id, rs.token, ""), rs.lang).want(t, http.StatusOK)
	page.contains(t, translate(rs.lang, "resched.title"), translate(rs.lang, "resched.current"), FormatDateTime(rs.before.Slot.Start, rs.lang))
	action := `action="/rendez-vous/` + strconv.FormatInt(rs.id, 10) + `/changer"`
	i := strings.Index(page.body, action)
	if i < 0 {
		t.Fatalf("no other time offered:\n%s", page.body)
	}
	end := strings.Index(page.body[i:], "</form>")
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(page.body[i:i+end], -1) {
		v.Set(m[1], unescape(m[2]))
	}
	v.Del("csrf")
	return v
}

// hold chooses the first other time and returns the confirm page's URL.
func (rs *rescheduling) hold(t *testing.T) (string, int64) {
	t.Helper()
	v := rs.list(t)
	loc := rs.s.post("/rendez-vous/"+strconv.FormatInt(rs.id, 10)+"/changer", v, rs.lang).want(t, http.StatusSeeOther).location(t)
	if !strings.Contains(loc, "/changer/") {
		t.Fatalf("choosing a time led to %s", loc)
	}
	slot, _ := strconv.ParseInt(v.Get("slot_id"), 10, 64)
	return loc, slot
}

// confirmForm opens the confirm page and returns the fields it posts.
func (rs *rescheduling) confirmForm(t *testing.T, formURL string) url.Values {
	t.Helper()
	page := rs.s.get(formURL, rs.lang).want(t, http.StatusOK)
	page.contains(t, translate(rs.lang, "resched.confirm.title"), translate(rs.lang, "resched.instead"), `id="held-timer"`, `data-seconds="`)
	return url.Values{"token": {hiddenValue(t, page.body, "token")}, "cle": {hiddenValue(t, page.body, "cle")}}
}

func confirmAction(formURL string) string { return strings.SplitN(formURL, "?", 2)[0] }

// TestReschedule moves an appointment from its page to another time, in
// both languages: the appointment page then shows the new time and the
// old one is offered again.
func TestReschedule(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			rs := newRescheduling(t, lang)
			formURL, slot := rs.hold(t)
			v := rs.confirmForm(t, formURL)
			loc := rs.s.post(confirmAction(formURL), v, lang).want(t, http.StatusSeeOther).location(t)
			if want := appointmentURL(rs.id, rs.token, "rescheduled"); loc != want {
				t.Fatalf("confirming led to %s, want %s", loc, want)
			}
			a := rs.appointment(t)
			if a.Slot.ID != slot || a.Status != rdv.Booked {
				t.Fatalf("appointment on slot %d (%s), want %d booked", a.Slot.ID, a.Status, slot)
			}
			page := rs.s.get(loc, lang).want(t, http.StatusOK)
			page.contains(t, translate(lang, "notice.rescheduled"), FormatDateTime(a.Slot.Start, lang))
			// The same post again (a double click) replays the change.
			rs.s.post(confirmAction(formURL), v, lang).want(t, http.StatusSeeOther)
			// The old time is bookable again.
			c, _ := rs.s.index.Clinic(rs.before.Slot.ClinicID)
			found := false
			for _, r := range rs.s.index.Search(rsQuery(c, rs.before.Slot), nil) {
				found = found || r.SlotID == rs.before.Slot.ID
			}
			if !found {
				t.Errorf("the old time %d is not offered again", rs.before.Slot.ID)
			}
		})
	}
}

// TestRescheduleErrors answers each bad case clearly, in the person's
// language, and leaves the appointment where it was.
func TestRescheduleErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// act does the bad thing and returns the answer to check.
		act    func(t *testing.T, rs *rescheduling) answer
		status int
		// follow: the redirect's target must hold this notice (a key).
		notice string
		// text: the page itself must say this (a key).
		text string
	}{
		{"wrong token on the list", func(t *testing.T, rs *rescheduling) answer {
			return rs.s.get(rescheduleURL(rs.id, "faux", ""), rs.lang)
		}, http.StatusNotFound, "", "error.appt_notfound"},
		{"no token on the list", func(t *testing.T, rs *rescheduling) answer {
			return rs.s.get("/rendez-vous/"+strconv.FormatInt(rs.id, 10)+"/changer", rs.lang)
		}, http.StatusNotFound, "", "error.appt_notfound"},
		{"wrong token when choosing", func(t *testing.T, rs *rescheduling) answer {
			v := rs.list(t)
			v.Set("token", "faux")
			return rs.s.post("/rendez-vous/"+strconv.FormatInt(rs.id, 10)+"/changer", v, rs.lang)
		}, http.StatusNotFound, "", "error.appt_notfound"},
		{"wrong token when confirming", func(t *testing.T, rs *rescheduling) answer {
			formURL, _ := rs.hold(t)
			v := rs.confirmForm(t, formURL)
			v.Set("token", "faux")
			return rs.s.post(confirmAction(formURL), v, rs.lang)
		}, http.StatusNotFound, "", "error.appt_notfound"},
		{"time taken by someone else first", func(t *testing.T, rs *rescheduling) answer {
			v := rs.list(t)
			slot, _ := strconv.ParseInt(v.Get("slot_id"), 10, 64)
			if _, err := rs.s.engine.Hold(context.Background(), slot, "someone else", nil); err != nil {
				t.Fatal(err)
			}
			return rs.s.post("/rendez-vous/"+strconv.FormatInt(rs.id, 10)+"/changer", v, rs.lang)
		}, http.StatusSeeOther, "notice.slot_taken", ""},
		{"hold ran out before the confirm page", func(t *testing.T, rs *rescheduling) answer {
			formURL, _ := rs.hold(t)
			rs.s.clock.Set(time.Now().Add(rs.s.engine.Config().HoldTTL + time.Minute))
			return rs.s.get(formURL, rs.lang)
		}, http.StatusSeeOther, "notice.hold_expired", ""},
		{"hold ran out before confirming", func(t *testing.T, rs *rescheduling) answer {
			formURL, _ := rs.hold(t)
			v := rs.confirmForm(t, formURL)
			rs.s.clock.Set(time.Now().Add(rs.s.engine.Config().HoldTTL + time.Minute))
			return rs.s.post(confirmAction(formURL), v, rs.lang)
		}, http.StatusSeeOther, "notice.hold_expired", ""},
		{"unknown hold", func(t *testing.T, rs *rescheduling) answer {
			return rs.s.post("/rendez-vous/"+strconv.FormatInt(rs.id, 10)+"/changer/nulle-part",
				url.Values{"token": {rs.token}, "cle": {"k"}}, rs.lang)
		}, http.StatusSeeOther, "notice.hold_expired", ""},
		{"cancelled appointment", func(t *testing.T, rs *rescheduling) answer {
			if _, err := rs.s.engine.Cancel(context.Background(), rs.id, rs.token, nil); err != nil {
				t.Fatal(err)
			}
			return rs.s.get(rescheduleURL(rs.id, rs.token, ""), rs.lang)
		}, http.StatusSeeOther, "notice.not_changed", ""},
		{"cancelled while confirming", func(t *testing.T, rs *rescheduling) answer {
			formURL, _ := rs.hold(t)
			v := rs.confirmForm(t, formURL)
			if _, err := rs.s.engine.Cancel(context.Background(), rs.id, rs.token, nil); err != nil {
				t.Fatal(err)
			}
			return rs.s.post(confirmAction(formURL), v, rs.lang)
		}, http.StatusSeeOther, "notice.not_changed", ""},
		{"a time of another service", func(t *testing.T, rs *rescheduling) answer {
			v := rs.list(t)
			slots, _ := storetestSlots(rs.s)
			for _, sl := range slots {
				if sl.Service != rs.before.Slot.Service {
					v.Set("slot_id", strconv.FormatInt(sl.ID, 10))
					break
				}
			}
			return rs.s.post("/rendez-vous/"+strconv.FormatInt(rs.id, 10)+"/changer", v, rs.lang)
		}, http.StatusSeeOther, "notice.slot_taken", ""},
	}
	for _, tt := range tests {
		for _, lang := range []string{"fr", "en"} {
			t.Run(lang+"/"+tt.name, func(t *testing.T) {
				rs := newRescheduling(t, lang)
				res := tt.act(t, rs).want(t, tt.status)
				if tt.text != "" {
					res.contains(t, translate(lang, tt.text))
				}
				if tt.notice != "" {
					rs.s.clock.Set(time.Time{})
					next := rs.s.get(res.location(t), lang).want(t, http.StatusOK)
					next.contains(t, translate(lang, tt.notice))
				}
				if tt.name != "cancelled appointment" && tt.name != "cancelled while confirming" {
					if a := rs.appointment(t); a.Slot.ID != rs.before.Slot.ID || a.Status != rdv.Booked {
						t.Errorf("appointment moved to slot %d (%s), want it kept on %d", a.Slot.ID, a.Status, rs.before.Slot.ID)
					}
				}
			})
		}
	}
}

// rsQuery looks for a slot at its own clinic.
func rsQuery(c rdv.Clinic, sl rdv.Slot) availability.Query {
	return availability.Query{Lat: c.Lat, Lon: c.Lon, RadiusKm: 1, Service: sl.Service, From: sl.Start, To: sl.End, Limit: 50, IncludeRostered: true}
}
