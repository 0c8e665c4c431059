package web

import "fmt"

// plural is a text that shows a count, in its two forms in each
// language: [0] the singular, [1] the plural, each with a %d for the
// count (and any other verbs after it).
type plural struct{ fr, en [2]string }

// plurals holds the texts that show a count. They live apart from the
// catalog so that a count can only be shown through pluralize, which
// picks the form; a test checks that no catalog text writes a count
// before a word.
var plurals = map[string]plural{}

// addPlurals adds a concern's count texts, at init. A key defined twice,
// here or in the catalog, is a programming error.
func addPlurals(m map[string]plural) {
	for k, v := range m {
		if _, dup := plurals[k]; dup {
			panic("web: plural key defined twice: " + k)
		}
		if _, dup := catalog[k]; dup {
			panic("web: plural key also in the catalog: " + k)
		}
		plurals[k] = v
	}
}

// pluralForm says which form a count takes: French uses the singular for
// 0 and 1 (« 0 libre », « 1 libre », « 2 libres »), English for 1 only
// ("0 free times", "1 request").
func pluralForm(lang string, n int) int {
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

// pluralize returns the text of key for the count n in lang, formatted
// with n first and then args. An unknown key shows between brackets, as
// in translate.
func pluralize(lang, key string, n int, args ...any) string {
	p, ok := plurals[key]
	if !ok {
		return "[[" + key + "]]"
	}
	forms := p.fr
	if lang == "en" {
		forms = p.en
	}
	all := append([]any{n}, args...)
	return fmt.Sprintf(oneFinalPeriod(forms[pluralForm(lang, n)], all), all...)
}

// N writes a count with the text of key in the page's language.
func (p *page) N(key string, n int, args ...any) string { return pluralize(p.Lang, key, n, args...) }
