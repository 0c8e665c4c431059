package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"rdv/i18n"
)

// TestCatalog checks that every string exists in both languages and that
// every key the templates use is in the catalog.
func TestCatalog(t *testing.T) {
	for key, s := range i18n.All() {
		if strings.TrimSpace(s.FR()) == "" || strings.TrimSpace(s.EN()) == "" {
			t.Errorf("%s: missing a language", key)
		}
		if strings.Count(s.FR(), "%") != strings.Count(s.EN(), "%") {
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
			if _, ok := i18n.Lookup(m[1]); !ok {
				t.Errorf("%s uses %q, not in the catalog", f.Name(), m[1])
			}
		}
	}
	// Keys built at run time.
	for _, status := range []string{"booked", "arrived", "fulfilled", "noshow", "cancelled"} {
		if _, ok := i18n.Lookup("status." + status); !ok {
			t.Errorf("no string for status %s", status)
		}
	}
	for _, code := range []string{"400", "404", "405", "500", "503"} {
		for _, part := range []string{"title", "text"} {
			if _, ok := i18n.Lookup("error." + code + "." + part); !ok {
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

// TestEveryKeyInCode walks every key the package's code and templates
// name in the open (translate, pluralize, a page's T and N) and checks
// that the site's texts hold it: a missing text fails here, not on the
// one page nobody opened.
func TestEveryKeyInCode(t *testing.T) {
	text := regexp.MustCompile(`(?:translate\([^,()]+, |\.T\(|\.T )"([a-z0-9_.]+)"`)
	count := regexp.MustCompile(`(?:pluralize\([^,()]+, |\.N\(|\.N )"([a-z0-9_.]+)"`)
	files, _ := filepath.Glob("*.go")
	templates, _ := filepath.Glob("templates/*")
	seen := 0
	for _, name := range append(files, templates...) {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range text.FindAllStringSubmatch(string(b), -1) {
			if strings.HasSuffix(m[1], ".") {
				continue // a prefix, completed at run time
			}
			seen++
			if _, ok := i18n.Lookup(m[1]); !ok {
				t.Errorf("%s names the text %q, which does not exist", name, m[1])
			}
		}
		for _, m := range count.FindAllStringSubmatch(string(b), -1) {
			seen++
			if strings.HasPrefix(i18n.N("fr", m[1], 2), "[[") {
				t.Errorf("%s names the count text %q, which does not exist", name, m[1])
			}
		}
	}
	if seen < 100 {
		t.Errorf("only %d keys found in the code: the walk has lost its way", seen)
	}
}
