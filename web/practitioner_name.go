package web

import "rdv/i18n"

// practitionerName writes a practitioner's name with the title the page's
// language uses: « Dre Tremblay », "Dr. Tremblay" (i18n.PractitionerName,
// which the emails and calendar files share).
func practitionerName(name, lang string) string { return i18n.PractitionerName(name, lang) }

// Practitioner writes a practitioner's name in the page's language.
func (p *page) Practitioner(name string) string { return practitionerName(name, p.Lang) }
