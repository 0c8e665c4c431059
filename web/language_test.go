package web

import (
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

func TestPickLang(t *testing.T) {
	tests := []struct {
		name, target, cookie, accept string
		want                         string
		chosen                       bool
	}{
		{"default", "/", "", "", "fr", false},
		{"browser", "/", "", "en-CA", "en", false},
		{"cookie beats browser", "/", "fr", "en-CA", "fr", false},
		{"switch beats cookie", "/?lang=en", "fr", "", "en", true},
		{"unknown switch ignored", "/?lang=de", "en", "", "en", false},
		{"forged cookie ignored", "/", "xx", "en", "en", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tt.target, nil)
			if tt.cookie != "" {
				r.AddCookie(&http.Cookie{Name: langCookie, Value: tt.cookie})
			}
			if tt.accept != "" {
				r.Header.Set("Accept-Language", tt.accept)
			}
			got, chosen := pickLang(r)
			if got != tt.want || chosen != tt.chosen {
				t.Errorf("pickLang = %s, %v; want %s, %v", got, chosen, tt.want, tt.chosen)
			}
		})
	}
}

// TestCatalog checks that every string exists in both languages and that
// every key the templates use is in the catalog.
func TestCatalog(t *testing.T) {
	for key, s := range catalog {
		if strings.TrimSpace(s.fr) == "" || strings.TrimSpace(s.en) == "" {
			t.Errorf("%s: missing a language", key)
		}
		if strings.Count(s.fr, "%") != strings.Count(s.en, "%") {
			t.Errorf("%s: the languages take different arguments", key)
		}
	}
	used := regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	files, err := os.ReadDir("templates")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile("templates/" + f.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			if _, ok := catalog[m[1]]; !ok {
				t.Errorf("%s uses %q, not in the catalog", f.Name(), m[1])
			}
		}
	}
	// Keys built at run time.
	for _, status := range []string{"booked", "arrived", "fulfilled", "noshow", "cancelled"} {
		if _, ok := catalog["status."+status]; !ok {
			t.Errorf("no string for status %s", status)
		}
	}
	for _, code := range []string{"400", "404", "405", "500", "503"} {
		for _, part := range []string{"title", "text"} {
			if _, ok := catalog["error."+code+"."+part]; !ok {
				t.Errorf("no error.%s.%s", code, part)
			}
		}
	}
}

// TestTemplatesHaveNoText fails if a template writes words of its own
// instead of taking them from the catalog.
func TestTemplatesHaveNoText(t *testing.T) {
	actions := regexp.MustCompile(`(?s){{.*?}}|<[^>]*>|&[a-z]+;`)
	files, err := os.ReadDir("templates")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile("templates/" + f.Name())
		if err != nil {
			t.Fatal(err)
		}
		rest := actions.ReplaceAllString(string(b), " ")
		for _, word := range strings.FieldsFunc(rest, func(r rune) bool { return !unicode.IsLetter(r) }) {
			t.Errorf("%s: text %q outside the catalog", f.Name(), word)
		}
	}
}
