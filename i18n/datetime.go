package i18n

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"rdv"
)

var (
	weekdaysFR = [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	monthsFR   = [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
)

// Weekday names a day of the week in lang: « mardi », "Tuesday".
func Weekday(wd time.Weekday, lang string) string {
	if lang == "en" {
		return wd.String()
	}
	return weekdaysFR[wd]
}

// FormatDay writes the day of t in the clinics' time zone as people in
// Québec write it: « mardi 8 décembre » (« 1er » for the first of the
// month) or "Tuesday, December 8".
func FormatDay(t time.Time, lang string) string {
	t = t.In(rdv.Toronto)
	if lang == "en" {
		return t.Format("Monday, January 2")
	}
	day := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return weekdaysFR[t.Weekday()] + " " + day + " " + monthsFR[t.Month()-1]
}

// FormatClock writes the time of day of t in the clinics' time zone:
// « 9 h 30 », « 14 h » (the Office québécois de la langue française drops
// the minutes on the hour) or "9:30 a.m.", "12:00 p.m." (Canadian English
// writes a.m. and p.m. with periods).
func FormatClock(t time.Time, lang string) string {
	t = t.In(rdv.Toronto)
	h, m := t.Hour(), t.Minute()
	if lang == "en" {
		suffix := "a.m."
		if h >= 12 {
			suffix = "p.m."
		}
		h12 := h % 12
		if h12 == 0 {
			h12 = 12
		}
		return fmt.Sprintf("%d:%02d %s", h12, m, suffix)
	}
	if m == 0 {
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %02d", h, m)
}

// FormatDateTime writes the day and the time of t: « mardi 8 décembre,
// 9 h 30 » or "Tuesday, December 8, 9:30 a.m.", as pages show times
// within the weeks ahead.
func FormatDateTime(t time.Time, lang string) string {
	return FormatDay(t, lang) + ", " + FormatClock(t, lang)
}

// FormatFullDateTime writes the day with its year and the time of t:
// « mardi 8 décembre 2026 à 9 h 30 » or "Tuesday, December 8, 2026 at
// 9:30 a.m.", as a message shows them, read away from the site and
// perhaps long after.
func FormatFullDateTime(t time.Time, lang string) string {
	year := strconv.Itoa(t.In(rdv.Toronto).Year())
	if lang == "en" {
		return FormatDay(t, lang) + ", " + year + " at " + FormatClock(t, lang)
	}
	return FormatDay(t, lang) + " " + year + " à " + FormatClock(t, lang)
}

// PractitionerName writes a practitioner's name with the title lang
// uses. Names are kept as the clinics write them, in French: « Dr
// Gagnon », « Dre Tremblay » (Québec writes the title without a period,
// and marks the feminine). English has one title, with a period: "Dr.
// Tremblay".
func PractitionerName(name, lang string) string {
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
