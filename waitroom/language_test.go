package waitroom

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/i18n"
	"rdv/i18n/i18ntest"
)

// TestWaitingRoomWeighsQValues: a browser that accepts English only at
// q=0.1 and French fully gets the waiting page and the API's waiting
// answer in French, as it gets every other page; its own switch and its
// cookie still win.
func TestWaitingRoomWeighsQValues(t *testing.T) {
	f := newFixture(t, Config{})
	for _, c := range []struct{ target, cookie, accept, want string }{
		{"/recherche", "", "en;q=0.1, fr", "fr"},
		{"/recherche", "", "fr;q=0.1, en", "en"},
		{"/recherche", "fr", "en", "fr"},
		{"/recherche?lang=en", "fr", "fr", "en"},
	} {
		for _, api := range []bool{false, true} {
			target := c.target
			if api {
				target = "/api/v1" + target
			}
			r := httptest.NewRequest(http.MethodGet, target, nil)
			r.Header.Set("Accept-Language", c.accept)
			if c.cookie != "" {
				r.AddCookie(&http.Cookie{Name: i18n.Cookie, Value: c.cookie})
			}
			w := httptest.NewRecorder()
			f.room.writeWaiting(w, r, 7, 3, 2*time.Minute)
			if api {
				var body struct{ Error struct{ Message string } }
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error.Message != tr(c.want, "api") {
					t.Errorf("%s, cookie %q, %q: API message %q (%v), want the %s one", target, c.cookie, c.accept, body.Error.Message, err, c.want)
				}
				continue
			}
			if body := w.Body.String(); !strings.Contains(body, `<html lang="`+c.want+`">`) || !strings.Contains(body, tr(c.want, "keep")) {
				t.Errorf("%s, cookie %q, %q: want the %s page:\n%s", target, c.cookie, c.accept, c.want, body)
			}
		}
	}
}

// TestWaitingPageHasNoEnglish renders the waiting page in every state it
// can be in, in French, through the site's no-English check; in English,
// every text is found.
func TestWaitingPageHasNoEnglish(t *testing.T) {
	f := newFixture(t, Config{})
	probes := i18ntest.English(map[string]i18n.Text{"service": {rdv.General.Name("fr"), rdv.General.Name("en")}})
	states := map[string]struct {
		ahead int64
		wait  time.Duration
	}{
		"arriving": {arriving, 0}, "no cookies": {noCookies, 0}, "no ticket": {-1, 0}, "next": {0, 0},
		"one minute": {3, 30 * time.Second}, "minutes": {40, 25 * time.Minute}, "hours": {900, 3 * time.Hour},
	}
	for name, st := range states {
		for _, lang := range []string{"fr", "en"} {
			for _, path := range []string{"/recherche?lang=" + lang, "/api/v1/slots?lang=" + lang} {
				w := httptest.NewRecorder()
				f.room.writeWaiting(w, httptest.NewRequest(http.MethodGet, path, nil), 9, st.ahead, st.wait)
				body := w.Body.String()
				if strings.Contains(body, "[[") {
					t.Errorf("%s %s %s: a text is missing: %s", name, lang, path, body)
				}
				if lang == "fr" {
					probes.NoEnglish(t, name+" "+path, body)
				}
			}
		}
	}
}

// TestEveryKeyInCode walks every key the package's code names and checks
// that the site's texts hold it.
func TestEveryKeyInCode(t *testing.T) {
	text := regexp.MustCompile(`tr\([a-z]+, "([a-z]+)"`)
	count := regexp.MustCompile(`i18n\.N\([a-z]+, "([a-z.]+)"`)
	files, _ := filepath.Glob("*.go")
	seen := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range text.FindAllStringSubmatch(string(b), -1) {
			seen++
			if _, ok := i18n.Lookup("waitroom." + m[1]); !ok {
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
	if seen < 10 {
		t.Errorf("only %d keys found in the code: the walk has lost its way", seen)
	}
}
