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

// flowBrowser is a browser with an id of its own, as the waiting room's
// signed cookie gives one: holds are capped per browser (3 live).
func flowBrowser(t *testing.T, s *site, id string) *browser {
	if s.srv.d.Browser == nil {
		s.srv.d.Browser = func(r *http.Request) (string, bool) {
			c, err := r.Cookie("test_browser")
			return c.Value, err == nil
		}
	}
	b := newBrowser(t, s)
	b.cookies["test_browser"] = &http.Cookie{Name: "test_browser", Value: id}
	return b
}

// flowSearch is a search as a parent would make it: a place, dates and a
// time of day that are not the defaults.
func flowSearch(s *site) url.Values {
	return url.Values{
		"service": {"general"}, "lieu": {"Montréal"}, "rayon": {"50"},
		"du": {s.start.AddDays(1).String()}, "au": {s.start.AddDays(3).String()}, "moment": {"matin", "apres-midi"},
	}
}

// holdFrom holds the first time of a results page and returns the form.
func (b *browser) holdFrom(results answer) (answer, string) {
	b.t.Helper()
	loc := b.post(results, "/reserver", firstSlotForm(b.t, results.body)).want(b.t, http.StatusSeeOther).location(b.t)
	if !strings.HasPrefix(loc, "/reservation/h_") {
		b.t.Fatalf("hold redirects to %s", loc)
	}
	return b.do(http.MethodGet, loc, nil).want(b.t, http.StatusOK), loc
}

// holdIDOf is the hold of a form's address.
func holdIDOf(loc string) string {
	id, _, _ := strings.Cut(strings.TrimPrefix(loc, "/reservation/"), "?")
	return id
}

// TestChooseAnotherTimeReleasesHold (issue 11, item 1): « Choisir un
// autre créneau » gives the hold back, so a parent comparing times is
// never locked out by the cap of 3 live holds, and returns to the very
// search it came from.
func TestChooseAnotherTimeReleasesHold(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	b := flowBrowser(t, s, "parent")
	search := "/recherche?" + flowSearch(s).Encode()
	for i := range 6 {
		results := b.do(http.MethodGet, search, nil).want(t, http.StatusOK)
		form, loc := b.holdFrom(results)
		if got := hiddenValue(t, form.body, "q"); got != flowSearch(s).Encode() {
			t.Fatalf("choice %d: the form carries the search %q, want %q", i+1, got, flowSearch(s).Encode())
		}
		h, err := s.store.Hold(context.Background(), holdIDOf(loc))
		if err != nil {
			t.Fatal(err)
		}
		other := b.post(form, holdPath(h.ID)+"/autre-creneau", url.Values{"q": {hiddenValue(t, form.body, "q")}})
		back := other.want(t, http.StatusSeeOther).location(t)
		if back != search {
			t.Fatalf("choice %d: back to %s, want the same search %s", i+1, back, search)
		}
		if sl, err := s.store.Slot(context.Background(), h.SlotID); err != nil || sl.State != rdv.SlotFree {
			t.Fatalf("choice %d: slot after going back %+v, %v; want free at once", i+1, sl, err)
		}
		if !strings.Contains(b.do(http.MethodGet, back, nil).body, `value="`+strconv.FormatInt(h.SlotID, 10)+`"`) {
			t.Fatalf("choice %d: the time given back is not offered again", i+1)
		}
	}
}

// TestReleaseOnlyByItsBrowser: a hold's ID alone does not give it back,
// and the way back cannot be turned into a link elsewhere.
func TestReleaseOnlyByItsBrowser(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	b := flowBrowser(t, s, "parent")
	form, loc := b.holdFrom(b.do(http.MethodGet, "/recherche?"+flowSearch(s).Encode(), nil))
	id := holdIDOf(loc)
	mallory := flowBrowser(t, s, "mallory")
	page := mallory.do(http.MethodGet, "/recherche?"+flowSearch(s).Encode(), nil)
	for _, q := range []string{"https://evil.example/", "//evil.example", "lieu=x&next=https://evil.example", strings.Repeat("lieu=x&", 400)} {
		to := mallory.post(page, holdPath(id)+"/autre-creneau", url.Values{"q": {q}}).want(t, http.StatusSeeOther).location(t)
		if !strings.HasPrefix(to, "/recherche?") && to != "/" || strings.Contains(to, "evil") {
			t.Fatalf("q %q leads to %s", q, to)
		}
	}
	h, _ := s.store.Hold(context.Background(), id)
	if sl, _ := s.store.Slot(context.Background(), h.SlotID); sl.State != rdv.SlotHeld || sl.HoldID != id {
		t.Fatalf("another browser released the hold: slot %+v", sl)
	}
	// Its own browser may, and without a CSRF token nobody may.
	b.do(http.MethodPost, holdPath(id)+"/autre-creneau", url.Values{"q": {""}}).want(t, http.StatusForbidden)
	b.post(form, holdPath(id)+"/autre-creneau", url.Values{}).want(t, http.StatusSeeOther)
	if sl, _ := s.store.Slot(context.Background(), h.SlotID); sl.State != rdv.SlotFree {
		t.Fatalf("slot after its browser went back: %+v", sl)
	}
}

var apptLinkRE = regexp.MustCompile(`href="(/rendez-vous/\d+\?token=[^"]+)"`)

// TestBackAfterBookingLeadsToAppointment (issue 11, item 2): after a
// booking, Back to the hold's form leads to the appointment, for the
// browser that booked only; a form sent back with messages keeps what
// was typed for the form shown again.
func TestBackAfterBookingLeadsToAppointment(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	for _, lang := range []string{"fr", "en"} {
		b := flowBrowser(t, s, "parent-"+lang)
		b.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: lang}
		form, loc := b.holdFrom(b.do(http.MethodGet, "/recherche?"+flowSearch(s).Encode(), nil))
		id := holdIDOf(loc)

		bad := adult(lang)
		bad.Set("health_number", "")
		bad.Set("q", hiddenValue(t, form.body, "q"))
		// Sent back by a redirect to the form (post/redirect/get): what
		// was typed and its message are there.
		if got := b.post(form, holdPath(id), bad).want(t, http.StatusSeeOther).location(t); got != loc {
			t.Fatalf("a form with errors is sent to %s, want %s", got, loc)
		}
		again := b.do(http.MethodGet, loc, nil).want(t, http.StatusOK)
		again.contains(t, `value="Julie"`, translate(lang, "err.required"))
		// Reloaded: what was typed stays, the message was shown once.
		reloaded := b.do(http.MethodGet, loc, nil).want(t, http.StatusOK)
		reloaded.contains(t, `value="Julie"`)
		if strings.Contains(reloaded.body, `class="summary"`) {
			t.Error("a reload shows the messages again")
		}

		good := adult(lang)
		good.Set("q", hiddenValue(t, again.body, "q"))
		appt := b.post(again, holdPath(id), good).want(t, http.StatusSeeOther).location(t)
		if !strings.HasPrefix(appt, "/rendez-vous/") {
			t.Fatalf("booking leads to %s", appt)
		}
		// Back: the page leads to the appointment.
		backPage := b.do(http.MethodGet, loc, nil).want(t, http.StatusOK)
		backPage.contains(t, translate(lang, "booked.title"), translate(lang, "booked.link"))
		if m := apptLinkRE.FindStringSubmatch(backPage.body); m == nil || unescape(m[1]) != appt {
			t.Fatalf("Back after booking links %v, want %s", m, appt)
		}
		if _, ok := b.cookies[draftCookieName]; ok {
			t.Error("what was typed is still kept after the booking")
		}
		// Someone who knows only the hold's ID gets nothing.
		other := flowBrowser(t, s, "stranger-"+lang)
		page := other.do(http.MethodGet, loc, nil).want(t, http.StatusNotFound)
		if strings.Contains(page.body, "/rendez-vous/") {
			t.Fatal("a stranger's Back shows the appointment's link")
		}
		// Nor with the booking's cookie carried to another hold.
		_, loc2 := other.holdFrom(other.do(http.MethodGet, "/recherche?"+flowSearch(s).Encode(), nil))
		other.cookies[bookedCookieName] = b.cookies[bookedCookieName]
		page = other.do(http.MethodGet, loc2, nil).want(t, http.StatusOK)
		if strings.Contains(page.body, "/rendez-vous/") {
			t.Fatal("a booking's cookie opens another hold's page")
		}
	}
}

// childAndGuardian is a child's booking as typed by a parent.
func childAndGuardian() url.Values {
	return url.Values{
		"first_name": {"Léo"}, "last_name": {"Gagnon"}, "birth_date": {"2021-03-04"}, "health_number": {"GAGL 2103 0411"},
		"for_child": {"1"}, "guardian_first_name": {"Marie"}, "guardian_last_name": {"Gagnon"},
		"guardian_birth_date": {"1988-06-12"}, "guardian_health_number": {"GAGM 8856 1212"},
		"guardian_phone": {"514 555-0142"}, "language": {"fr"},
	}
}

// TestExpiredHoldKeepsTypedAndOffersNext (issue 11, item 3): a hold that
// ran out keeps everything typed, child and guardian included, and offers
// the next free time at the same clinic; holding it opens its form
// filled in, and personal data never travels in a URL or in the page.
func TestExpiredHoldKeepsTypedAndOffersNext(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	b := flowBrowser(t, s, "parent")
	form, loc := b.holdFrom(b.do(http.MethodGet, "/recherche?"+flowSearch(s).Encode(), nil))
	h, _ := s.store.Hold(context.Background(), holdIDOf(loc))
	held, _ := s.store.Slot(context.Background(), h.SlotID)
	s.clock.Set(h.ExpiresAt.Add(time.Minute))
	s.engine.Sweep(context.Background())

	typed := childAndGuardian()
	typed.Set("q", hiddenValue(t, form.body, "q"))
	// The post is sent to the hold's page (post/redirect/get): Back and
	// reload never post the details again.
	if loc := b.post(form, holdPath(h.ID), typed).want(t, http.StatusSeeOther).location(t); loc != holdPath(h.ID) {
		t.Fatalf("a form posted to a run-out hold is sent to %s", loc)
	}
	page := b.do(http.MethodGet, holdPath(h.ID), nil).want(t, http.StatusGone)
	page.contains(t, translate("fr", "expired.kept"), translate("fr", "expired.hold_next"), translate("fr", "expired.again"))
	if strings.Contains(page.body, translate("fr", "expired.next_taken")) || strings.Contains(page.body, "[[") {
		t.Error("the page of a run-out hold shows a notice it was not asked for")
	}
	for _, secret := range []string{"GAGL", "GAGM", "Marie", "555-0142"} {
		if strings.Contains(page.body, secret) {
			t.Fatalf("the page of a run-out hold carries %q", secret)
		}
	}
	if !strings.Contains(page.body, `href="/recherche?`+htmlText(flowSearch(s).Encode())) &&
		!strings.Contains(page.body, `href="/recherche?`+strings.ReplaceAll(flowSearch(s).Encode(), "&", "&amp;")) {
		t.Error("the search again is not the search the hold came from")
	}
	next := hiddenValue(t, page.body, "slot_id")
	nextSlot, err := s.store.Slot(context.Background(), mustInt(t, next))
	if err != nil || nextSlot.ClinicID != held.ClinicID || nextSlot.Service != held.Service {
		t.Fatalf("next time offered %+v, %v; want the same clinic %d and service", nextSlot, err, held.ClinicID)
	}

	// Someone else takes it meanwhile: the page says so and offers the next.
	if _, err := s.engine.Hold(context.Background(), nextSlot.ID, "someone", nil); err != nil {
		t.Fatal(err)
	}
	sentTo := b.post(page, holdPath(h.ID)+"/prochain", url.Values{"slot_id": {next}, "q": {hiddenValue(t, page.body, "q")}, "cle": {"k1"}}).
		want(t, http.StatusSeeOther).location(t)
	taken := b.do(http.MethodGet, sentTo, nil).want(t, http.StatusGone)
	taken.contains(t, translate("fr", "expired.next_taken"))
	next2 := hiddenValue(t, taken.body, "slot_id")
	if next2 == next {
		t.Fatal("the time taken meanwhile is offered again")
	}

	newLoc := b.post(taken, holdPath(h.ID)+"/prochain", url.Values{"slot_id": {next2}, "q": {hiddenValue(t, taken.body, "q")}, "cle": {"k2"}}).
		want(t, http.StatusSeeOther).location(t)
	if !strings.HasPrefix(newLoc, "/reservation/h_") || strings.Contains(newLoc, "Gagnon") || strings.Contains(newLoc, "GAG") {
		t.Fatalf("the next hold leads to %s", newLoc)
	}
	filled := b.do(http.MethodGet, newLoc, nil).want(t, http.StatusOK)
	filled.contains(t, `value="Léo"`, `value="GAGL 2103 0411"`, `value="Marie"`, `value="GAGM 8856 1212"`, `value="514 555-0142"`)
	if got := hiddenValue(t, filled.body, "q"); got != flowSearch(s).Encode() {
		t.Errorf("the next hold's form carries the search %q", got)
	}
}

// TestExpiredHoldGetKeepsDraft: a form sent back with messages, then
// left until the hold runs out, still keeps what was typed.
func TestExpiredHoldGetKeepsDraft(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	b := flowBrowser(t, s, "parent")
	form, loc := b.holdFrom(b.do(http.MethodGet, "/recherche?"+flowSearch(s).Encode(), nil))
	h, _ := s.store.Hold(context.Background(), holdIDOf(loc))
	bad := childAndGuardian()
	bad.Set("first_name", "")
	b.post(form, holdPath(h.ID), bad).want(t, http.StatusSeeOther)
	s.clock.Set(h.ExpiresAt.Add(time.Minute))
	page := b.do(http.MethodGet, loc, nil).want(t, http.StatusGone)
	page.contains(t, translate("fr", "expired.kept"))
	newLoc := b.post(page, holdPath(h.ID)+"/prochain", url.Values{"slot_id": {hiddenValue(t, page.body, "slot_id")}, "q": {hiddenValue(t, page.body, "q")}}).
		want(t, http.StatusSeeOther).location(t)
	b.do(http.MethodGet, newLoc, nil).want(t, http.StatusOK).contains(t, `value="GAGL 2103 0411"`, `value="Marie"`)
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
