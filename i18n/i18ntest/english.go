// Package i18ntest checks that what a person reads in French holds no
// English: every area's tests run their French pages and messages through
// the one check, against the one set of texts.
package i18ntest

import (
	"regexp"
	"strings"
	"testing"

	"rdv/i18n"
)

// hiddenOrURL matches what a person never reads: hidden fields (random
// keys and tokens) and link targets.
var hiddenOrURL = regexp.MustCompile(`<input type="hidden"[^>]*>|(href|action)="[^"]*"`)

type probe struct {
	key, part string // part: the English text, a cheap first filter
	re        *regexp.Regexp
}

// Probes are the English pieces of every text whose English differs from
// its French, with extra texts (names that come from the domain, such as
// services'). A text with arguments gives one piece per stretch between
// them; pieces shorter than three letters say nothing.
type Probes []probe

// English builds the probes from the one set of texts, its count texts
// and extra.
func English(extra map[string]i18n.Text) Probes {
	var ps Probes
	add := func(key, fr, en string) {
		if en == fr {
			return
		}
		for _, part := range regexp.MustCompile(`%[a-z]`).Split(en, -1) {
			part = strings.TrimSpace(strings.Trim(part, " .:;,"))
			if len(part) < 3 || strings.EqualFold(part, "km") {
				continue
			}
			ps = append(ps, probe{key, part, regexp.MustCompile(`(^|[^\pL])` + regexp.QuoteMeta(part) + `($|[^\pL])`)})
		}
	}
	for key, t := range i18n.All() {
		add(key, t.FR(), t.EN())
	}
	for key, p := range i18n.AllPlurals() {
		for i := range 2 {
			add(key, p[0][i], p[1][i])
		}
	}
	for key, t := range extra {
		add(key, t.FR(), t.EN())
	}
	return ps
}

// NoEnglish fails t for every English piece found in body, a French page
// or message named name. HTML bodies are read as a person reads them:
// escapes undone, hidden fields and link targets left out.
func (ps Probes) NoEnglish(t testing.TB, name, body string) {
	t.Helper()
	body = unescape.Replace(hiddenOrURL.ReplaceAllString(body, ""))
	if strings.Contains(body, "[[") {
		t.Errorf("%s: a text is missing from the catalog: %s", name, body[strings.Index(body, "[["):][:min(60, len(body)-strings.Index(body, "[["))])
	}
	for _, p := range ps {
		if !strings.Contains(body, p.part) {
			continue
		}
		if loc := p.re.FindStringIndex(body); loc != nil {
			t.Errorf("%s: English of %q in French: …%s…", name, p.key, body[max(0, loc[0]-40):min(len(body), loc[1]+40)])
		}
	}
}

// unescape undoes what html/template writes for the characters the texts
// hold.
var unescape = strings.NewReplacer("&amp;", "&", "&#39;", "'", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&quot;", `"`)
