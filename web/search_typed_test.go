package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/places"
)

// TestSearchShortFormsAndPostalCodes: the search form takes the short
// forms people type and postal codes, and says which postal codes it
// cannot use.
func TestSearchShortFormsAndPostalCodes(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	tests := []struct {
		lieu   string
		status int
		named  string // the place the results page names
		errKey string // the message by the field, on 422
	}{
		{"mtl", http.StatusOK, "Montréal", ""},
		{"MTL", http.StatusOK, "Montréal", ""},
		{"St-Jérôme", http.StatusOK, "Saint-Jérôme", ""},
		{"ste-therese", http.StatusOK, "Sainte-Thérèse", ""},
		{"Laval, Qc", http.StatusOK, "Laval", ""},
		{"TR", http.StatusOK, "Trois-Rivières", ""},
		{"K1A 0B1", http.StatusUnprocessableEntity, "", "err.postal_outside"},
		{"m5v", http.StatusUnprocessableEntity, "", "err.postal_outside"},
		{"Atlantide", http.StatusUnprocessableEntity, "", "err.place"},
	}
	if places.PostalAreas() == 0 {
		tests = append(tests, struct {
			lieu   string
			status int
			named  string
			errKey string
		}{"H2X 1Y4", http.StatusUnprocessableEntity, "", "err.postal_unknown"})
	}
	for _, tt := range tests {
		for _, lang := range []string{"fr", "en"} {
			t.Run(lang+"/"+tt.lieu, func(t *testing.T) {
				q := url.Values{"service": {"general"}, "lieu": {tt.lieu}, "rayon": {"25"}, "du": {s.start.String()}}
				page := s.get("/recherche?"+q.Encode(), lang).want(t, tt.status)
				if tt.status == http.StatusOK {
					page.contains(t, htmlText(translate(lang, "results.near", "25", tt.named)))
					return
				}
				page.contains(t, `id="f-lieu-error">`+htmlText(translate(lang, tt.errKey))+`<`, `value="`+tt.lieu+`"`)
			})
		}
	}
}

// TestEmptySearchShowsNextFreeTime: a search that finds nothing says when
// and where the next free time is, and links to it.
func TestEmptySearchShowsNextFreeTime(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	// Sherbrooke has no clinic: the nearest with a free time is the
	// Plateau's in Montréal, about 130 km away, at 9:00 on the first day
	// (the Québec clinic's first time is taken).
	slots, _ := storetestSlots(s)
	var first rdv.Slot
	for _, sl := range slots {
		if sl.ClinicID == 1 && sl.Service == rdv.General && sl.State == rdv.SlotFree && (first.ID == 0 || sl.Start.Before(first.Start)) {
			first = sl
		}
	}
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			q := url.Values{"service": {"general"}, "lieu": {"Sherbrooke"}, "rayon": {"25"}, "du": {s.start.String()}, "au": {s.start.AddDays(2).String()}}
			page := s.get("/recherche?"+q.Encode(), lang).want(t, http.StatusOK)
			page.contains(t,
				htmlText(translate(lang, "results.none.short")),
				htmlText(translate(lang, "results.next", "Sherbrooke")),
				"<strong>"+htmlText(FormatDateTime(first.Start, lang))+"</strong>",
				"Clinique du Plateau, Montréal · ",
				htmlText(translate(lang, "results.next.link", "Clinique du Plateau")),
			)
			if strings.Contains(page.body, htmlText(translate(lang, "results.none"))) {
				t.Error("the page still only says to widen the search")
			}
			// The link opens the clinic's times from that day, where the
			// slot can be chosen.
			m := regexp.MustCompile(`<p class="more"><a href="(/recherche/clinique/1\?[^"]+)"`).FindStringSubmatch(page.body)
			if m == nil {
				t.Fatal("no link to the next free time")
			}
			link := unescape(m[1])
			if !strings.Contains(link, "du="+rdv.DateOf(first.Start).String()) {
				t.Errorf("link %s does not start on the slot's day", link)
			}
			more := s.get(link, lang).want(t, http.StatusOK)
			more.contains(t, `name="slot_id" value="`+strconv.FormatInt(first.ID, 10)+`"`)
		})
	}
}

// TestEmptySearchNothingAnywhere: past the slots' horizon there is no
// next free time to show, and the page says so.
func TestEmptySearchNothingAnywhere(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	later := rdv.DateOf(time.Now()).AddDays(20)
	q := url.Values{"service": {"general"}, "lieu": {"Montréal"}, "rayon": {"25"}, "du": {later.String()}}
	for _, lang := range []string{"fr", "en"} {
		page := s.get("/recherche?"+q.Encode(), lang).want(t, http.StatusOK)
		page.contains(t, htmlText(translate(lang, "results.none.short")), htmlText(translate(lang, "results.next.none")), `href="/demande?`)
	}
}
