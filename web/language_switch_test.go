package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"rdv"
)

var switchButton = regexp.MustCompile(`<button class="switch" type="submit" form="booking" formaction="([^"]+)" formnovalidate name="switch_lang" value="en"`)

// TestLanguageSwitchKeepsTypedFields switches the booking form to English
// halfway through: the page comes back in English with every field as
// typed, no message, nothing booked, and nothing typed in a URL.
func TestLanguageSwitchKeepsTypedFields(t *testing.T) {
	s := mustOpenSite(t)
	formURL := s.holdFirst("fr")
	form := s.get(formURL, "fr").want(t, http.StatusOK)
	m := switchButton.FindStringSubmatch(form.body)
	if m == nil {
		t.Fatalf("the booking form's language switch is not a button of the form:\n%s", form.body)
	}
	action := unescape(m[1])
	if action != formURL+"?lang=en" {
		t.Errorf("switch posts to %q, want %q", action, formURL+"?lang=en")
	}
	v := adult("fr")
	v.Set("first_name", "Éloïse")
	v.Set("health_number", "TREJ 9055") // half typed: not checked yet
	v.Set("cle", hiddenValue(t, form.body, "cle"))
	v.Set(switchField, "en")
	// The form comes back by a redirect to its own page (no post in the
	// history), in the language the switch chose.
	res := s.sentBack(s.post(action, v, "fr"), "")
	res.contains(t, `<html lang="en">`, translate("en", "book.title"), `value="Éloïse"`, `value="TREJ 9055"`, `value="Tremblay-O&#39;Neil"`, `value="514 555-0199"`)
	if strings.Contains(res.body, `class="summary"`) || strings.Contains(res.body, `aria-invalid`) {
		t.Errorf("switching language showed error messages:\n%s", res.body)
	}
	if strings.Contains(res.body, "TREJ") && strings.Contains(res.body, "?lang=fr&") {
		t.Errorf("a typed value went into a URL")
	}
	// The hold is still live: the same form books once submitted.
	back := switchBackButton.FindStringSubmatch(res.body)
	if back == nil || unescape(back[1]) != formURL+"?lang=fr" {
		t.Errorf("the English form's switch does not post back to French: %v", back)
	}
	v = adult("en")
	v.Set("cle", hiddenValue(t, res.body, "cle"))
	if got := s.post(formURL, v, "en").want(t, http.StatusSeeOther).location(t); !strings.HasPrefix(got, "/rendez-vous/") {
		t.Fatalf("the form after the switch leads to %s, want the appointment", got)
	}
}

var switchBackButton = regexp.MustCompile(`form="booking" formaction="([^"]+)" formnovalidate name="switch_lang" value="fr"`)

// TestLanguageSwitchOnUsedHold answers a switch on a hold already
// confirmed as the form itself would: not found, never a booking.
func TestLanguageSwitchOnUsedHold(t *testing.T) {
	s := mustOpenSite(t)
	formURL := s.holdFirst("fr")
	form := s.get(formURL, "fr").want(t, http.StatusOK)
	v := adult("fr")
	v.Set("cle", hiddenValue(t, form.body, "cle"))
	s.post(formURL, v, "fr").want(t, http.StatusSeeOther)
	v.Set(switchField, "en")
	s.post(formURL+"?lang=en", v, "fr").want(t, http.StatusNotFound)
}

// TestEnglishTimeEndsSentenceOnce: "until 3:00 p.m." ends the sentence
// with the abbreviation's own period.
func TestEnglishTimeEndsSentenceOnce(t *testing.T) {
	at := time.Date(2026, 3, 10, 15, 0, 0, 0, rdv.Toronto)
	cases := []struct{ key, lang, want string }{
		{"book.held_until", "en", "This time is held for you until 3:00 p.m."},
		{"book.held_until", "fr", "Ce créneau est réservé pour vous jusqu'à 15 h."},
		{"portal.book.held", "en", "The time is held until 3:00 p.m."},
	}
	for _, c := range cases {
		if got := translate(c.lang, c.key, FormatClock(at, c.lang)); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.lang, c.key, got, c.want)
		}
	}
	s := mustOpenSite(t)
	for _, lang := range []string{"en", "fr"} {
		page := s.get(s.holdFirst(lang), lang).want(t, http.StatusOK)
		if strings.Contains(page.body, "..") {
			i := strings.Index(page.body, "..")
			t.Errorf("%s booking form writes two periods: %q", lang, page.body[max(0, i-40):i+2])
		}
	}
}

// TestPractitionerTitleInEnglish: English writes "Dr.", French keeps the
// clinic's « Dr » and « Dre ».
func TestPractitionerTitleInEnglish(t *testing.T) {
	for name, want := range map[string]string{
		"Dre Amélie Tremblay": "Dr. Amélie Tremblay",
		"Dr Samuel Gagnon":    "Dr. Samuel Gagnon",
		"Marie Roy, inf.":     "Marie Roy, inf.",
		"Drew Barry":          "Drew Barry",
	} {
		if got := practitionerName(name, "en"); got != want {
			t.Errorf("en %q: %q, want %q", name, got, want)
		}
		if got := practitionerName(name, "fr"); got != name {
			t.Errorf("fr %q: %q", name, got)
		}
	}
	s := mustOpenSite(t)
	en := s.get(s.searchQuery(), "en").want(t, http.StatusOK)
	en.contains(t, "with Dr. Amélie Tremblay")
	if strings.Contains(en.body, "Dre ") || strings.Contains(en.body, "Dr Samuel") {
		t.Errorf("English results write a French title")
	}
	s.get(s.searchQuery(), "fr").want(t, http.StatusOK).contains(t, "avec Dre Amélie Tremblay")
	form := s.get(s.holdFirst("en"), "en").want(t, http.StatusOK)
	if strings.Contains(form.body, "<dd>Dre ") || strings.Contains(form.body, "<dd>Dr S") {
		t.Errorf("English booking form writes a French title")
	}
}
