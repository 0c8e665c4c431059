package i18ntest

import (
	"fmt"
	"testing"

	"rdv/i18n"
)

// recorder is a testing.TB that keeps the failures it is told.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

// The test's texts are added at init, as every area's are.
func init() {
	i18n.Add(i18n.Catalog{
		"i18ntest.keep": {"Gardez cette page ouverte : vous gardez votre place.", "Keep this page open: you keep your place."},
		"i18ntest.name": {"Le champ (guardian)", "guardian"},
		"i18ntest.wait": {"Attente estimée : %s.", "Estimated wait: %s."},
	})
}

func TestNoEnglish(t *testing.T) {
	probes := English(nil)
	for _, c := range []struct {
		body string
		fail bool
	}{
		{"<p>Gardez cette page ouverte : vous gardez votre place.</p>", false},
		{"<p>Keep this page open: you keep your place.</p>", true},
		{"<p>Estimated wait: 3 minutes.</p>", true},
		{`<p>Indiquez le parent (guardian).</p>`, false},
		{`<a href="/?q=Estimated wait" class="Estimated wait">Attente</a>`, false},
		{"<p>[[i18ntest.missing]]</p>", true},
		{`<dl><dd lang="en" class="as-typed">Keep this page open: you keep your place.</dd><dd>Attente</dd></dl>`, false},
		{`<dd lang="en">Keep this page open.</dd><p>Estimated wait: 3 minutes.</p>`, true},
	} {
		r := &recorder{TB: t}
		probes.NoEnglish(r, "page", c.body)
		if got := len(r.failures) > 0; got != c.fail {
			t.Errorf("%q: failed %v (%v), want %v", c.body, got, r.failures, c.fail)
		}
	}
}
