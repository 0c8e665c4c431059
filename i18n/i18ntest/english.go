// Package i18ntest checks that what a person reads in French holds no
// English: every area's tests run their French pages and messages through
// the one check, against the one set of texts.
package i18ntest

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rdv/i18n"
)

// hiddenOrURL matches what a person never reads: hidden fields (random
// keys and tokens), the values checkboxes and radio buttons send (their
// labels are read), link targets, and the names pages give their parts
// (a class "free" is no English word on a French page).
var hiddenOrURL = regexp.MustCompile(`<input type="(hidden|checkbox|radio)"[^>]*>|\b(href|action|class|id|name|for)="[^"]*"`)

type probe struct {
	key, part string // part: the English text, a cheap first filter
	re        *regexp.Regexp
}

// Probes are the English pieces of every text whose English differs from
// its French, with extra texts (names that come from the domain, such as
// services'). A text with arguments gives one piece per stretch between
// them; pieces shorter than three letters say nothing, nor does a piece
// that some French text holds as well (an API field's name such as
// « (guardian) », a word both languages write alike).
type Probes []probe

// English builds the probes from the one set of texts, its count texts
// and extra.
func English(extra map[string]i18n.Text) Probes {
	all := map[string]i18n.Text{}
	for key, t := range i18n.All() {
		all[key] = t
	}
	for key, p := range i18n.AllPlurals() {
		for i := range 2 {
			all[key+"#"+strconv.Itoa(i)] = i18n.Text{p[0][i], p[1][i]}
		}
	}
	for key, t := range extra {
		all[key] = t
	}
	var french []string
	for _, t := range all {
		french = append(french, t.FR())
	}
	var ps Probes
	for key, t := range all {
		if t.EN() == t.FR() {
			continue
		}
		for _, part := range verb.Split(t.EN(), -1) {
			part = strings.TrimSpace(strings.Trim(part, " .:;,"))
			if len(part) < 3 || strings.EqualFold(part, "km") {
				continue
			}
			p := probe{key, part, regexp.MustCompile(`(^|[^\pL])` + regexp.QuoteMeta(part) + `($|[^\pL])`)}
			if !p.foundIn(french) {
				ps = append(ps, p)
			}
		}
	}
	return ps
}

// verb matches a formatting verb of a text.
var verb = regexp.MustCompile(`%[a-z]`)

// foundIn reports whether some French text holds the probe's piece.
func (p probe) foundIn(french []string) bool {
	for _, fr := range french {
		if strings.Contains(fr, p.part) && p.re.MatchString(fr) {
			return true
		}
	}
	return false
}

// NoEnglish fails t for every English piece found in body, a French page
// or message named name. HTML bodies are read as a person reads them:
// escapes undone, hidden fields and link targets left out, and English
// that the page marks as English (lang="en": an operator's English
// message beside its French) left out too.
func (ps Probes) NoEnglish(t testing.TB, name, body string) {
	t.Helper()
	body = unescape.Replace(hiddenOrURL.ReplaceAllString(dropMarkedEnglish(body), ""))
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

// markedEnglish finds the start of an element marked as English.
var markedEnglish = regexp.MustCompile(`<([a-z][a-z0-9]*)\b[^>]*\blang="en"[^>]*>`)

// dropMarkedEnglish removes from body the content of the elements marked
// lang="en", up to their closing tag.
func dropMarkedEnglish(body string) string {
	var b strings.Builder
	for {
		m := markedEnglish.FindStringSubmatchIndex(body)
		if m == nil {
			b.WriteString(body)
			return b.String()
		}
		b.WriteString(body[:m[0]])
		rest := body[m[1]:]
		end := strings.Index(rest, "</"+body[m[2]:m[3]]+">")
		if end < 0 {
			return b.String()
		}
		body = rest[end:]
	}
}
