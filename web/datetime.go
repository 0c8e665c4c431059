package web

import (
	"strconv"
	"strings"
	"time"

	"rdv/i18n"
)

// FormatDay writes the day of t in the clinics' time zone: « mardi 8
// décembre », "Tuesday, December 8" (i18n.FormatDay, which the emails
// share).
func FormatDay(t time.Time, lang string) string { return i18n.FormatDay(t, lang) }

// FormatClock writes the time of day of t in the clinics' time zone:
// « 9 h 30 », "9:30 a.m." (i18n.FormatClock).
func FormatClock(t time.Time, lang string) string { return i18n.FormatClock(t, lang) }

// FormatDateTime writes the day and the time of t: « mardi 8 décembre,
// 9 h 30 » or "Tuesday, December 8, 9:30 a.m." (i18n.FormatDateTime).
func FormatDateTime(t time.Time, lang string) string { return i18n.FormatDateTime(t, lang) }

// FormatKm writes a distance rounded to a tenth of a kilometre with the
// language's decimal mark: « 3,2 km », "3.2 km".
func FormatKm(km float64, lang string) string {
	s := strconv.FormatFloat(km, 'f', 1, 64)
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	// A no-break space keeps the number and its unit on one line.
	return s + "\u00a0km"
}
