// Package i18n holds every text people read, in French and English, and
// the one rule that picks a request's language.
//
// The pages (web), the JSON API (web/api), the waiting room (waitroom) and
// the refusals under load (admission) all speak to the same person, often
// within seconds of each other; they must agree on the language and say
// the same thing the same way. They cannot share texts through web, which
// none of the others may import, so the texts live here: one type (Text,
// and Plural for a count), one set of texts that each area fills at init
// from its own file under its own key prefix, and one request rule
// (Lang). A key defined twice panics at start, so two areas cannot each
// keep their own copy of a line under one name; the lines several areas
// show (the emergency line, the way home) are defined once below.
//
// Code speaks only in keys; a missing key shows as itself between double
// brackets ("[[key]]") so that the tests that render every page catch it.
package i18n

import (
	"fmt"
	"iter"
	"maps"
	"slices"
)

// Text is one string in both languages, French first: [0] French, [1]
// English. It is a pair rather than a struct so that each area writes its
// texts as plain pairs ({"…", "…"}) from any package.
type Text [2]string

// FR returns the French text.
func (t Text) FR() string { return t[0] }

// EN returns the English text.
func (t Text) EN() string { return t[1] }

// In returns the text in lang: English for "en", French otherwise.
func (t Text) In(lang string) string {
	if lang == "en" {
		return t[1]
	}
	return t[0]
}

// Catalog is a set of texts by key.
type Catalog map[string]Text

// Plural is a text that shows a count, French first, in its two forms in
// each language: [0] the singular, [1] the plural, each with a %d for the
// count (and any other verbs after it).
type Plural [2][2]string

// Forms returns the two forms of the count text in lang.
func (p Plural) Forms(lang string) [2]string {
	if lang == "en" {
		return p[1]
	}
	return p[0]
}

// Plurals is a set of count texts by key.
type Plurals map[string]Plural

// The one set of texts, filled at init by each area and read-only after.
var (
	texts  = Catalog{}
	counts = Plurals{}
)

// Add adds an area's texts, at init. A key defined twice, here or among
// the count texts, is a programming error.
func Add(c Catalog) {
	for k, v := range c {
		if _, dup := texts[k]; dup {
			panic("i18n: text key defined twice: " + k)
		}
		if _, dup := counts[k]; dup {
			panic("i18n: text key also a count text: " + k)
		}
		texts[k] = v
	}
}

// AddPlurals adds an area's count texts, at init. They live apart from
// the texts so that a count can only be shown through N, which picks the
// form. A key defined twice, here or among the texts, is a programming
// error.
func AddPlurals(p Plurals) {
	for k, v := range p {
		if _, dup := counts[k]; dup {
			panic("i18n: count key defined twice: " + k)
		}
		if _, dup := texts[k]; dup {
			panic("i18n: count key also a text: " + k)
		}
		counts[k] = v
	}
}

// Lookup returns the text of key.
func Lookup(key string) (Text, bool) {
	t, ok := texts[key]
	return t, ok
}

// T returns the text of key in lang, formatted with args. An unknown key
// shows as itself between double brackets so that tests catch it.
func T(lang, key string, args ...any) string {
	t, ok := texts[key]
	if !ok {
		return "[[" + key + "]]"
	}
	s := t.In(lang)
	if len(args) > 0 {
		s = fmt.Sprintf(oneFinalPeriod(s, args), args...)
	}
	return s
}

// N returns the count text of key for the count n in lang, formatted with
// n first and then args. An unknown key shows between brackets, as in T.
func N(lang, key string, n int, args ...any) string {
	p, ok := counts[key]
	if !ok {
		return "[[" + key + "]]"
	}
	forms := p.Forms(lang)
	all := append([]any{n}, args...)
	return fmt.Sprintf(oneFinalPeriod(forms[PluralForm(lang, n)], all), all...)
}

// PluralForm says which form a count takes: French uses the singular for
// 0 and 1 (« 0 libre », « 1 libre », « 2 libres »), English for 1 only
// ("0 free times", "1 request").
func PluralForm(lang string, n int) int {
	if lang == "en" {
		if n == 1 {
			return 0
		}
		return 1
	}
	if n == 0 || n == 1 || n == -1 {
		return 0
	}
	return 1
}

// All yields every text by key, in key order: for the tests that check
// each one (both languages present, no English on a French page).
func All() iter.Seq2[string, Text] {
	return func(yield func(string, Text) bool) {
		for _, k := range slices.Sorted(maps.Keys(texts)) {
			if !yield(k, texts[k]) {
				return
			}
		}
	}
}

// AllPlurals yields every count text by key, in key order.
func AllPlurals() iter.Seq2[string, Plural] {
	return func(yield func(string, Plural) bool) {
		for _, k := range slices.Sorted(maps.Keys(counts)) {
			if !yield(k, counts[k]) {
				return
			}
		}
	}
}
