package web

import "strings"

// practitionerName writes a practitioner's name with the title the page's
// language uses. Names are kept as the clinics write them, in French:
// « Dr Gagnon », « Dre Tremblay » (Québec writes the title without a
// period, and marks the feminine). English has one title, with a period:
// "Dr. Tremblay".
func practitionerName(name, lang string) string {
	if lang != "en" {
		return name
	}
	for _, title := range []string{"Dre ", "Dr "} {
		if rest, ok := strings.CutPrefix(name, title); ok {
			return "Dr. " + rest
		}
	}
	return name
}

// Practitioner writes a practitioner's name in the page's language.
func (p *page) Practitioner(name string) string { return practitionerName(name, p.Lang) }
