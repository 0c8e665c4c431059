package web

import "rdv/i18n"

// plural is the site's one count text type (i18n.Plural), by the short
// name this package's catalog files write it with: the singular and the
// plural, each with a %d for the count, French first.
type plural = i18n.Plural

// addPlurals adds a concern's count texts, at init. They live apart from
// the texts so that a count can only be shown through pluralize, which
// picks the form; a test checks that no plain text writes a count before
// a word. A key defined twice, here or among the texts, is a programming
// error.
func addPlurals(m i18n.Plurals) { i18n.AddPlurals(m) }

// pluralize returns the text of key for the count n in lang, formatted
// with n first and then args. An unknown key shows between brackets, as
// in translate.
func pluralize(lang, key string, n int, args ...any) string { return i18n.N(lang, key, n, args...) }

// N writes a count with the text of key in the page's language.
func (p *page) N(key string, n int, args ...any) string { return pluralize(p.Lang, key, n, args...) }
