package web

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/i18n"
	"rdv/storetest"
)

func TestPluralForms(t *testing.T) {
	cases := []struct {
		lang, key string
		n         int
		want      string
	}{
		{"fr", "portal.week.free", 0, "0 libre"},
		{"fr", "portal.week.free", 1, "1 libre"},
		{"fr", "portal.week.free", 2, "2 libres"},
		{"fr", "portal.week.closed", 1, "1 bloqué"},
		{"fr", "portal.week.closed", 3, "3 bloqués"},
		{"fr", "portal.week.booked", 1, "1 réservé"},
		{"fr", "req.list.intro", 1, "1 demande."},
		{"fr", "req.list.intro", 0, "0 demande."},
		{"fr", "req.list.intro", 2, "2 demandes, les plus récentes en bas."},
		{"en", "req.list.intro", 1, "1 request."},
		{"en", "req.list.intro", 0, "0 requests, the newest at the bottom."},
		{"en", "req.list.intro", 2, "2 requests, the newest at the bottom."},
		{"en", "portal.week.free", 1, "1 free"},
	}
	for _, c := range cases {
		if got := pluralize(c.lang, c.key, c.n); got != c.want {
			t.Errorf("%s %s %d: %q, want %q", c.lang, c.key, c.n, got, c.want)
		}
	}
}

// TestEveryCountText checks every text that shows a count, in both
// languages: each form writes the count once, French changes its words
// from one to many, and no plain catalog text writes a count before a
// word (it would read « 1 libres » one day).
func TestEveryCountText(t *testing.T) {
	counted := 0
	for key, p := range i18n.AllPlurals() {
		counted++
		if _, dup := i18n.Lookup(key); dup {
			t.Errorf("%s is both a count text and a catalog text", key)
		}
		if fr := p.Forms("fr"); fr[0] == fr[1] {
			t.Errorf("%s: French singular and plural are the same: %q", key, fr[0])
		}
		for lang, forms := range map[string][2]string{"fr": p.Forms("fr"), "en": p.Forms("en")} {
			for _, f := range forms {
				if strings.Count(f, "%d") != 1 {
					t.Errorf("%s %s %q: want one %%d", key, lang, f)
				}
			}
			for _, n := range []int{0, 1, 2, 21} {
				got := pluralize(lang, key, n)
				if !strings.Contains(got, strconv.Itoa(n)) || strings.Contains(got, "%!") {
					t.Errorf("%s %s %d: %q", key, lang, n, got)
				}
				want := forms[1]
				if n == 1 || lang == "fr" && n == 0 {
					want = forms[0]
				}
				if got != strings.Replace(want, "%d", strconv.Itoa(n), 1) {
					t.Errorf("%s %s %d: %q, want the form %q", key, lang, n, got, want)
				}
			}
		}
	}
	if counted == 0 {
		t.Fatal("no count text")
	}
	countWord := regexp.MustCompile(`%d\s+\pL`)
	for key, tx := range i18n.All() {
		for _, s := range tx {
			if countWord.MatchString(s) {
				t.Errorf("catalog text %s writes a count before a word without plural forms: %q", key, s)
			}
		}
	}
}

// renderedCount finds the counts the staff pages write.
var renderedCount = regexp.MustCompile(`(\d+) (libres?|réservés?|bloqués?|demandes?|free|booked|blocked|requests?)\b`)

// TestCountsAgreeOnPages renders the week view and the requests' list in
// both languages and checks that every count agrees with its word.
func TestCountsAgreeOnPages(t *testing.T) {
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	withRequests(t, s)
	rs := s.store
	if _, err := rs.AddRequest(t.Context(), storetest.SampleRequest("D-AAAA-AAAA-AAA1", time.Date(2031, time.March, 3, 14, 0, 0, 0, time.UTC))); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"fr", "en"} {
		desk := staffBrowser(t, s, accts, rdv.Receptionist)
		agent := staffBrowser(t, s, accts, rdv.PhoneAgent)
		pages := map[string]answer{
			"week":     desk.do(http.MethodGet, "/clinique/semaine?date="+s.start.String()+"&lang="+lang, nil).want(t, http.StatusOK),
			"requests": agent.do(http.MethodGet, "/agent/demandes?lang="+lang, nil).want(t, http.StatusOK),
		}
		pages["requests"].contains(t, pluralize(lang, "req.list.intro", 1))
		found := 0
		for name, p := range pages {
			for _, m := range renderedCount.FindAllStringSubmatch(p.body, -1) {
				found++
				n, _ := strconv.Atoi(m[1])
				word := m[2]
				plural := strings.HasSuffix(word, "s")
				if lang == "en" && (word == "free" || word == "booked" || word == "blocked") {
					continue // the same in both numbers
				}
				singular := n == 1 || lang == "fr" && n == 0
				if plural == singular {
					t.Errorf("%s %s: %q", lang, name, m[0])
				}
			}
		}
		if found == 0 {
			t.Errorf("%s: no count found on the pages", lang)
		}
	}
}
