package i18n

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestLang(t *testing.T) {
	tests := []struct {
		name, target, cookie, accept string
		want                         string
		chosen                       bool
	}{
		{"default", "/", "", "", "fr", false},
		{"browser", "/", "", "en-CA", "en", false},
		{"q-values weigh", "/", "", "en;q=0.1, fr", "fr", false},
		{"q-values weigh for English", "/", "", "fr;q=0.2, en;q=0.9", "en", false},
		{"cookie beats browser", "/", "fr", "en-CA", "fr", false},
		{"switch beats cookie", "/?lang=en", "fr", "", "en", true},
		{"switch among other parameters", "/recherche?lieu=Laval&lang=en", "", "fr", "en", true},
		{"unknown switch ignored", "/?lang=de", "en", "", "en", false},
		{"forged cookie ignored", "/", "xx", "en", "en", false},
		{"a parameter that ends in lang is not the switch", "/?blang=en", "", "", "fr", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tt.target, nil)
			if tt.cookie != "" {
				r.AddCookie(&http.Cookie{Name: Cookie, Value: tt.cookie})
			}
			if tt.accept != "" {
				r.Header.Set("Accept-Language", tt.accept)
			}
			got, chosen := Lang(r)
			if got != tt.want || chosen != tt.chosen {
				t.Errorf("Lang = %s, %v; want %s, %v", got, chosen, tt.want, tt.chosen)
			}
		})
	}
}

func TestMissingKeyShows(t *testing.T) {
	if got := T("fr", "nowhere.to.be.found"); got != "[[nowhere.to.be.found]]" {
		t.Errorf("T of a missing key = %q", got)
	}
	if got := N("en", "nowhere.to.be.found", 2); got != "[[nowhere.to.be.found]]" {
		t.Errorf("N of a missing key = %q", got)
	}
}

// The tests' own texts are added at init, as every area's are: the set
// is read-only once the tests run, in parallel or not.
func init() {
	Add(Catalog{
		"i18n.test.twice": {"Une fois", "Once"},
		"i18n.test.until": {"Jusqu'à %s.", "Until %s."},
	})
	AddPlurals(Plurals{"i18n.test.free": {[2]string{"%d libre", "%d libres"}, [2]string{"%d free time", "%d free times"}}})
}

// TestKeyDefinedTwicePanics: a key defined again, as a text or a count
// text, panics before anything is written.
func TestKeyDefinedTwicePanics(t *testing.T) {
	for name, add := range map[string]func(){
		"text twice":          func() { Add(Catalog{"i18n.test.twice": {"Deux fois", "Twice"}}) },
		"text as count":       func() { AddPlurals(Plurals{"i18n.test.twice": {}}) },
		"shared line defined": func() { Add(Catalog{"i18n.test.twice": Emergency}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			add()
		}()
	}
	if got := T("en", "i18n.test.twice"); got != "Once" {
		t.Errorf("after the refusals the text is %q", got)
	}
}

func TestFormat(t *testing.T) {
	if got := T("en", "i18n.test.until", "3:00 p.m."); got != "Until 3:00 p.m." {
		t.Errorf("T: %q", got)
	}
	if got := oneFinalPeriod("%d. %s. %s.", []any{3, "a.m.", "b"}); got != "%d. %s %s." {
		t.Errorf("oneFinalPeriod: %q", got)
	}
	if got := oneFinalPeriod("100 %% %s.", []any{"p.m."}); got != "100 %% %s" {
		t.Errorf("oneFinalPeriod after %%%%: %q", got)
	}
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{{"fr", 0, "0 libre"}, {"fr", 1, "1 libre"}, {"fr", 2, "2 libres"}, {"en", 0, "0 free times"}, {"en", 1, "1 free time"}} {
		if got := N(c.lang, "i18n.test.free", c.n); got != c.want {
			t.Errorf("N(%s, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}

// TestEveryText checks each text of the one set that this package's
// tests can see: both languages, the same arguments.
func TestEveryText(t *testing.T) {
	for key, s := range All() {
		if strings.TrimSpace(s.FR()) == "" || strings.TrimSpace(s.EN()) == "" {
			t.Errorf("%s: missing a language", key)
		}
		if strings.Count(s.FR(), "%") != strings.Count(s.EN(), "%") {
			t.Errorf("%s: the languages take different arguments", key)
		}
	}
}
