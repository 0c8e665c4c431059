package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
)

var appointmentPath = regexp.MustCompile(`^/rendez-vous/(\d+)\?token=[A-Za-z0-9_-]+$`)

// TestBookingFlow walks search → hold → form → confirm → appointment →
// cancel with plain form posts, in each language.
func TestBookingFlow(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			s := mustOpenSite(t)
			T := func(key string, args ...any) string { return translate(lang, key, args...) }

			home := s.get("/?lang="+lang, "").want(t, http.StatusOK)
			home.contains(t, `<html lang="`+lang+`">`, T("home.title"), T("search.submit"), `<datalist id="places">`)

			res := s.get(s.searchQuery(), lang).want(t, http.StatusOK)
			chosen := firstSlotForm(t, res.body)
			slotID, _ := strconv.ParseInt(chosen.Get("slot_id"), 10, 64)
			first, err := s.store.Slot(context.Background(), slotID)
			if err != nil {
				t.Fatalf("slot on the results page: %v", err)
			}
			res.contains(t, T("results.title"), FormatDateTime(first.Start, lang), "Clinique du Plateau", T("results.choose"))

			formURL := s.post("/reserver", chosen, lang).want(t, http.StatusSeeOther).location(t)
			form := s.get(formURL, lang).want(t, http.StatusOK)
			h, err := s.store.Hold(context.Background(), strings.TrimPrefix(formURL, "/reservation/"))
			if err != nil {
				t.Fatalf("hold of the form: %v", err)
			}
			form.contains(t, T("book.title"), T("book.held_until", FormatClock(h.ExpiresAt, lang)))

			v := adult(lang)
			v.Set("cle", hiddenValue(t, form.body, "cle"))
			done := s.post(formURL, v, lang).want(t, http.StatusSeeOther)
			apptURL := done.location(t)
			m := appointmentPath.FindStringSubmatch(apptURL)
			if m == nil {
				t.Fatalf("confirmation redirects to %s", apptURL)
			}
			appt := s.get(apptURL, lang).want(t, http.StatusOK)
			appt.contains(t, T("appt.title.booked"), "Julie Tremblay-O'Neil", FormatDateTime(first.Start, lang),
				T("status.booked"), T("appt.cancel.link"), T("appt.keep"))
			if cc := appt.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("appointment page Cache-Control %q, want no-store", cc)
			}

			id, _ := strconv.ParseInt(m[1], 10, 64)
			_, token := linkParts(t, apptURL)
			// Cancelling asks once (TestCancelAsksOnce); here, the answer.
			back := s.post("/rendez-vous/"+m[1]+"/annuler", url.Values{"token": {token}}, lang).want(t, http.StatusSeeOther).location(t)
			after := s.get(back, lang).want(t, http.StatusOK)
			after.contains(t, T("appt.title.cancelled"), T("notice.cancelled"), T("status.cancelled"))
			if strings.Contains(after.body, T("appt.cancel.link")) {
				t.Errorf("a cancelled appointment still offers to cancel")
			}
			a, err := s.store.Appointment(context.Background(), id)
			if err != nil || a.Status != rdv.Cancelled || a.Channel != rdv.Web {
				t.Errorf("stored appointment %+v, %v; want cancelled, web", a, err)
			}

			// A second click on "cancel" says it is cancelled, not an error.
			again := s.post("/rendez-vous/"+m[1]+"/annuler", url.Values{"token": {token}}, lang).want(t, http.StatusSeeOther).location(t)
			s.get(again, lang).want(t, http.StatusOK).contains(t, T("notice.cancelled"))
		})
	}
}

// TestBadBookingInput sends the form back with the data kept and each
// message next to its field.
func TestBadBookingInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		lang   string
		change map[string]string
		field  string // the input whose error must show
		msgKey string
	}{
		{"missing first name", "fr", map[string]string{"first_name": ""}, "first_name", "err.required"},
		{"missing first name", "en", map[string]string{"first_name": ""}, "first_name", "err.required"},
		{"health number shape", "fr", map[string]string{"health_number": "TRE 1234"}, "health_number", "err.health_number"},
		{"health number of another birth date", "en", map[string]string{"health_number": "TREJ90551812"}, "health_number", "err.hn_birth"},
		{"unreadable birth date", "fr", map[string]string{"birth_date": "17/05/1990"}, "birth_date", "err.date"},
		{"birth date in the future", "fr", map[string]string{"birth_date": "2999-01-01"}, "birth_date", "err.birth_date"},
		{"bad email", "en", map[string]string{"email": "julie@"}, "email", "err.email"},
		{"bad phone", "fr", map[string]string{"phone": "555-01"}, "phone", "err.phone"},
		{"no way to reach", "fr", map[string]string{"phone": "", "email": ""}, "phone", "err.contact"},
		{"child's guardian without last name", "fr", asChild(map[string]string{"for_child": "1", "guardian_first_name": "Luc", "guardian_relationship": "parent"}), "guardian_last_name", "err.required"},
		{"guardian's bad email", "en", asChild(withGuardian(map[string]string{"guardian_email": "luc@", "phone": ""})), "guardian_email", "err.email"},
		{"guardian's health number", "fr", asChild(withGuardian(map[string]string{"guardian_health_number": "BOUL88082114"})), "guardian_health_number", "err.hn_birth"},
		// Errors of both people show at once.
		{"both people wrong: patient", "fr", asChild(withGuardian(map[string]string{"email": "julie@", "guardian_birth_date": "2999-01-01"})), "email", "err.email"},
		{"both people wrong: guardian", "fr", asChild(withGuardian(map[string]string{"email": "julie@", "guardian_birth_date": "2999-01-01"})), "guardian_birth_date", "err.birth_date"},
	}
	s := mustOpenSite(t)
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.name, func(t *testing.T) {
			formURL := s.holdFirst(tt.lang)
			v := adult(tt.lang)
			for k, x := range tt.change {
				v.Set(k, x)
			}
			page := s.sentBack(s.post(formURL, v, tt.lang), tt.lang)
			id := fieldID(tt.field)
			msg := htmlText(translate(tt.lang, tt.msgKey))
			if !strings.Contains(page.body, `<p class="error" id="`+id+`-error">`+msg+`</p>`) {
				t.Errorf("no message %q by field %s", msg, tt.field)
			}
			if !regexp.MustCompile(`<input id="` + id + `"[^>]*aria-describedby="[^"]*` + id + `-error"[^>]*aria-invalid="true"`).MatchString(page.body) {
				t.Errorf("field %s is not tied to its message", tt.field)
			}
			if !strings.Contains(page.body, `href="#`+id+`"`) {
				t.Errorf("the summary does not link to field %s", tt.field)
			}
			for k, x := range v {
				if x[0] != "" && k != "language" && k != "for_child" && !strings.Contains(page.body, `value="`+htmlText(x[0])+`"`) {
					t.Errorf("value of %s (%q) lost", k, x[0])
				}
			}
			if !strings.Contains(page.body, `<html lang="`+tt.lang+`">`) {
				t.Errorf("page not in %s", tt.lang)
			}
			// The slot stays held: the corrected form books it.
			v = adult(tt.lang)
			s.post(formURL, v, tt.lang).want(t, http.StatusSeeOther)
		})
	}
}

// asChild makes the patient of a change a child of 7 (a guardian books
// for them), Julie Tremblay born on 2019-05-17.
func asChild(change map[string]string) map[string]string {
	out := map[string]string{"birth_date": "2019-05-17", "health_number": "TREJ 1955 1712"}
	for k, v := range change {
		out[k] = v
	}
	return out
}

// withGuardian adds a valid guardian to a change of the adult's form.
func withGuardian(change map[string]string) map[string]string {
	out := map[string]string{
		"for_child": "1", "guardian_first_name": "Luc", "guardian_last_name": "Bouchard",
		"guardian_birth_date": "1988-07-21", "guardian_health_number": "BOUL88072114", "guardian_phone": "418 555-0144",
		"guardian_relationship": "parent",
	}
	for k, v := range change {
		out[k] = v
	}
	return out
}

// TestDoubleSubmit: the booking form posted twice (a double click, a
// reload) books once and gives the same appointment link both times.
func TestDoubleSubmit(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	formURL := s.holdFirst("fr")
	form := s.get(formURL, "fr").want(t, http.StatusOK)
	v := adult("fr")
	v.Set("cle", hiddenValue(t, form.body, "cle"))
	first := s.post(formURL, v, "fr").want(t, http.StatusSeeOther).location(t)
	second := s.post(formURL, v, "fr").want(t, http.StatusSeeOther).location(t)
	if first != second {
		t.Errorf("second post led to %s, first to %s", second, first)
	}
	// Without the form's key, a second post cannot prove it is the same.
	v.Del("cle")
	s.post(formURL, v, "fr").want(t, http.StatusNotFound).contains(t, translate("fr", "error.hold_missing"))
}

// TestBookForChild books with a guardian, who is the child's contact.
func TestBookForChild(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	formURL := s.holdFirst("fr")
	v := url.Values{
		"first_name": {"Léo"}, "last_name": {"Bouchard"}, "birth_date": {"2019-03-02"}, "health_number": {"BOUL19030211"},
		"for_child": {"1"}, "language": {"fr"},
		"guardian_first_name": {"Chloé"}, "guardian_last_name": {"Bouchard"}, "guardian_birth_date": {"1988-07-21"},
		"guardian_health_number": {"BOUC88572114"}, "guardian_email": {"chloe@example.org"}, "guardian_relationship": {"parent"},
	}
	loc := s.post(formURL, v, "fr").want(t, http.StatusSeeOther).location(t)
	m := appointmentPath.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("confirmation redirects to %s", loc)
	}
	s.get(loc, "fr").want(t, http.StatusOK).contains(t, "Léo Bouchard", translate("fr", "appt.booked_by"), "Chloé Bouchard")
	id, _ := strconv.ParseInt(m[1], 10, 64)
	a, err := s.store.Appointment(context.Background(), id)
	if err != nil {
		t.Fatalf("appointment: %v", err)
	}
	if a.Guardian == nil || a.Guardian.FirstName != "Chloé" || a.BookedBy != rdv.ByGuardian || a.Patient.Email != "chloe@example.org" {
		t.Errorf("booked %+v guardian %+v; want the guardian booking, reachable by email", a, a.Guardian)
	}
}

// TestSlotTakenGoesBackToResults: a slot someone else got first sends the
// person back to the same results with a message.
func TestSlotTakenGoesBackToResults(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			s := mustOpenSite(t)
			res := s.get(s.searchQuery(), lang).want(t, http.StatusOK)
			v := firstSlotForm(t, res.body)
			slotID, _ := strconv.ParseInt(v.Get("slot_id"), 10, 64)
			if _, err := s.engine.Hold(context.Background(), slotID, "someone else", nil); err != nil {
				t.Fatalf("hold by another: %v", err)
			}
			loc := s.post("/reserver", v, lang).want(t, http.StatusSeeOther).location(t)
			if !strings.HasPrefix(loc, "/recherche?") || !strings.Contains(loc, "lieu=Montr") || !strings.Contains(loc, "avis=slot_taken") {
				t.Fatalf("taken slot redirects to %s", loc)
			}
			back := s.get(loc, lang).want(t, http.StatusOK)
			back.contains(t, translate(lang, "notice.slot_taken"), translate(lang, "results.title"))
			if strings.Contains(back.body, `name="slot_id" value="`+v.Get("slot_id")+`"`) {
				t.Errorf("the taken slot is still offered")
			}
		})
	}
}

// TestHoldRefusals: slots that cannot be held send the person back to the
// results with a message, never to an error page.
func TestHoldRefusals(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	slots, _ := storetestSlots(s)
	var rostered, booked int64
	for _, sl := range slots {
		switch {
		case sl.Audience == rdv.Rostered && rostered == 0:
			rostered = sl.ID
		case sl.State == rdv.SlotBooked && booked == 0:
			booked = sl.ID
		}
	}
	tests := []struct {
		name   string
		slotID int64
		notice string
	}{
		{"rostered only", rostered, "slot_taken"},
		{"already booked", booked, "slot_taken"},
		{"no such slot", 999999, "slot_taken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := url.Values{"slot_id": {strconv.FormatInt(tt.slotID, 10)}, "q": {"service=general&lieu=Laval&evil=1"}}
			loc := s.post("/reserver", v, "fr").want(t, http.StatusSeeOther).location(t)
			if loc != "/recherche?avis="+tt.notice+"&lieu=Laval&service=general" {
				t.Errorf("redirect to %s", loc)
			}
		})
	}
	// The cap on live holds per person: the test's requests are all one
	// browser's.
	s.srv.d.Browser = func(*http.Request) (string, bool) { return "one browser", true }
	res := s.get(s.searchQuery(), "en").want(t, http.StatusOK)
	var last string
	for range s.engine.Config().MaxLiveHolds + 1 {
		v := firstSlotForm(t, res.body)
		v.Del("cle")
		last = s.post("/reserver", v, "en").want(t, http.StatusSeeOther).location(t)
		res = s.get(s.searchQuery(), "en").want(t, http.StatusOK)
	}
	if !strings.Contains(last, "avis=too_many") {
		t.Errorf("hold over the cap redirects to %s", last)
	}
	s.get(last, "en").want(t, http.StatusOK).contains(t, translate("en", "notice.too_many"))
}

// TestExpiredHold: the form of a run-out hold says so and offers to search
// again.
func TestExpiredHold(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	formURL := s.holdFirst("fr")
	s.clock.Set(time.Now().Add(s.engine.Config().HoldTTL + time.Minute))
	// A form posted to it is sent to the hold's page (post/redirect/get),
	// which says so.
	sent := s.do(http.MethodPost, formURL, adult("fr"), "fr").want(t, http.StatusSeeOther)
	if loc := sent.location(t); loc != sent.Request.URL.Path {
		t.Fatalf("a form posted to a run-out hold is sent to %s", loc)
	}
	page := s.do(http.MethodGet, formURL, nil, "fr", sent.Cookies()...).want(t, http.StatusGone)
	page.contains(t, translate("fr", "expired.title"), translate("fr", "expired.again"), `href="/recherche?`)
}

// TestBadSearch keeps the search and shows the message by the field.
func TestBadSearch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, query, field, msgKey string
	}{
		{"unknown place", "service=general&lieu=Atlantide&rayon=25", "lieu", "err.place"},
		{"no place", "service=general&lieu=&rayon=25", "lieu", "err.required"},
		{"unknown service", "service=astrologie&lieu=Laval", "service", "err.service"},
		{"bad radius", "service=general&lieu=Laval&rayon=9999", "rayon", "err.radius"},
		{"unreadable date", "service=general&lieu=Laval&du=demain", "du", "err.date"},
		{"end before start", "service=general&lieu=Laval&du=2999-05-02&au=2999-05-01", "au", "err.date_order"},
		{"unknown moment", "service=general&lieu=Laval&moment=nuit", "moment", "err.moment"},
	}
	s := mustOpenSite(t)
	for _, tt := range tests {
		for _, lang := range []string{"fr", "en"} {
			t.Run(lang+"/"+tt.name, func(t *testing.T) {
				page := s.get("/recherche?"+tt.query, lang).want(t, http.StatusUnprocessableEntity)
				id := fieldID(tt.field)
				if !strings.Contains(page.body, `id="`+id+`-error">`+htmlText(translate(lang, tt.msgKey))+`<`) {
					t.Errorf("no message by field %s", tt.field)
				}
				if !strings.Contains(page.body, `href="#`+id+`"`) {
					t.Errorf("the summary does not link to field %s", tt.field)
				}
				if tt.name == "unknown place" && !strings.Contains(page.body, `value="Atlantide"`) {
					t.Errorf("typed place lost")
				}
			})
		}
	}
}

// TestNotFoundPages answers unknown pages, holds and appointments with the
// friendly page in the person's language.
func TestNotFoundPages(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	for _, target := range []string{"/nulle-part", "/reservation/h_nope", "/rendez-vous/1?token=wrong", "/rendez-vous/abc", "/static/app.css"} {
		for _, lang := range []string{"fr", "en"} {
			page := s.get(target, lang).want(t, http.StatusNotFound)
			if target != "/static/app.css" && !strings.Contains(page.body, `<html lang="`+lang+`">`) {
				t.Errorf("%s: not the friendly page in %s", target, lang)
			}
		}
	}
	s.post("/rendez-vous/1/annuler", url.Values{"token": {"wrong"}}, "fr").want(t, http.StatusNotFound)
	s.post("/reserver", url.Values{"slot_id": {"x"}}, "fr").want(t, http.StatusBadRequest)
}
