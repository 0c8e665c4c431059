package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// bookLate books for the account practitioner 1's general consultation
// at 10:00 on the network's third day, by email: the Plateau clinic has
// earlier times.
func bookLate(t *testing.T, s *site, account int64, email string) rdv.Appointment {
	t.Helper()
	at := s.start.AddDays(2).At(10*60, rdv.Toronto)
	slots, _ := storetestSlots(s)
	var slot rdv.Slot
	for _, sl := range slots {
		if sl.PractitionerID == 1 && sl.Start.Equal(at) {
			slot = sl
		}
	}
	now := time.Now()
	h, ch, err := s.store.PlaceHold(t.Context(), rdv.HoldRequest{HoldID: auth.RandomToken(12), SlotID: slot.ID, ClientKey: "late", TTL: time.Minute, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	s.index.Apply(ch)
	p := rdv.Patient{FirstName: "Julie", LastName: "Tremblay", BirthDate: rdv.Date{Year: 1990, Month: time.May, Day: 4},
		HealthNumber: "TREJ90550412", Email: email, Language: "fr"}
	a, ch, err := s.store.ConfirmHold(t.Context(), rdv.ConfirmRequest{HoldID: h.ID, Patient: p, BookedBy: rdv.BySelf, Channel: rdv.Web,
		Notify: rdv.Notify{Email: true}, AccountID: account, CancelTokenHash: auth.HashToken("late"), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	s.index.Apply(ch)
	return a
}

// TestWaitlistPages: from « Mes rendez-vous », a signed-in patient puts an
// appointment on the waitlist of its clinic (once), sees the place's
// page, accepts the earlier time the matcher holds (the appointment
// moves), and leaves the waitlist without the request's token; another
// account reaches none of it. In both languages.
func TestWaitlistPages(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			s := mustOpenSite(t)
			m := withMatcher(t, s)
			T := func(key string, args ...any) string { return translate(lang, key, args...) }
			b := inLang(newBrowser(t, s), lang)
			b.signInPatient("julie@exemple.ca", "julie@exemple.ca")
			a := bookLate(t, s, b.patientID(), "julie@exemple.ca")
			n := strconv.FormatInt(a.ID, 10)
			join := "/mes-rendez-vous/" + n + "/plus-tot"

			mine := b.do(http.MethodGet, patientHomePath, nil).want(t, http.StatusOK)
			mine.contains(t, T("wait.join"), T("wait.same"), T("wait.hint"), `action="`+join+`"`)

			// Another account cannot put it on the waitlist.
			other := inLang(newBrowser(t, s), lang)
			other.signInPatient("autre@exemple.ca", "autre@exemple.ca")
			otherPage := other.do(http.MethodGet, patientHomePath, nil).want(t, http.StatusOK)
			other.post(otherPage, join, url.Values{}).want(t, http.StatusNotFound)

			done := b.post(mine, join, url.Values{"meme": {"1"}}).want(t, http.StatusSeeOther)
			loc, err := url.Parse(done.location(t))
			if err != nil || !strings.HasPrefix(loc.Path, "/demande/D-") || loc.Query().Get("token") == "" {
				t.Fatalf("joining leads to %s", done.location(t))
			}
			ref, token := strings.TrimPrefix(loc.Path, "/demande/"), loc.Query().Get("token")
			page := b.follow(done).want(t, http.StatusOK)
			page.contains(t, T("wait.notice.joined"), T("req.public.open"), T("wait.criteria.same"), T("req.scope.own_clinic"),
				T("wait.criteria.move", FormatDateTime(a.Slot.Start, lang), rdv.General.Name(lang), "Clinique du Plateau, Montréal"))
			req, err := s.store.RequestByReference(t.Context(), ref, auth.HashToken(token))
			if err != nil || req.MovesAppointment != a.ID || req.PractitionerID != 1 || req.Scope != rdv.ScopeOwnClinic {
				t.Fatalf("place stored as %+v, %v", req, err)
			}

			// Once per appointment.
			again := b.post(mine, join, url.Values{}).want(t, http.StatusSeeOther)
			if got := again.location(t); got != patientHomePath+"?avis=waitlist_already" {
				t.Errorf("joining twice leads to %s", got)
			}
			mine = b.follow(again).want(t, http.StatusOK)
			mine.contains(t, T("wait.notice.already"), T("wait.waiting", ref), T("wait.leave"))
			mine.lacks(t, T("wait.join"))

			// The matcher holds an earlier time of the same practitioner;
			// accepting it moves the appointment.
			p, ok, err := m.Admit(t.Context(), req)
			if err != nil || !ok || p.Slot.PractitionerID != 1 || !p.Slot.Start.Before(a.Slot.Start) {
				t.Fatalf("proposal %+v (%v, %v), want an earlier time of practitioner 1", p.Slot, ok, err)
			}
			b.do(http.MethodGet, patientHomePath, nil).want(t, http.StatusOK).contains(t, T("wait.proposed"))
			offer := b.do(http.MethodGet, requestPagePathFor(ref, token), nil).want(t, http.StatusOK)
			offer.contains(t, T("req.proposal.title"), T("wait.accept_moves"))
			accepted := b.post(offer, "/demande/"+ref+"/accepter", url.Values{"token": {token}, "proposal": {p.ID}}).want(t, http.StatusSeeOther)
			booked := b.follow(accepted).want(t, http.StatusOK)
			booked.contains(t, T("req.public.booked"), T("req.public.mine"))
			moved, err := s.store.Appointment(t.Context(), a.ID)
			if err != nil || moved.Slot.ID != p.Slot.ID || moved.Status != rdv.Booked {
				t.Fatalf("appointment after accepting: %+v, %v", moved, err)
			}

			// On the waitlist again, then off it from « Mes rendez-vous ».
			mine = b.do(http.MethodGet, patientHomePath, nil).want(t, http.StatusOK)
			mine.contains(t, T("wait.join"))
			b.post(mine, join, url.Values{}).want(t, http.StatusSeeOther)
			mine = b.do(http.MethodGet, patientHomePath, nil).want(t, http.StatusOK)
			other.post(otherPage, join+"/retirer", url.Values{}).want(t, http.StatusSeeOther) // nothing of its own to leave
			left := b.post(mine, join+"/retirer", url.Values{}).want(t, http.StatusSeeOther)
			if got := left.location(t); got != patientHomePath+"?avis=waitlist_left" {
				t.Errorf("leaving leads to %s", got)
			}
			after := b.follow(left).want(t, http.StatusOK)
			after.contains(t, T("wait.notice.left"), T("wait.join"))
			if list, err := s.store.WaitlistRequests(t.Context(), b.patientID()); err != nil || len(list) != 0 {
				t.Errorf("waitlist after leaving: %+v, %v", list, err)
			}
		})
	}
}
