package web

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
// 9 h 30 » or "Tuesday, December 8, 9:30 a.m.".
func FormatDateTime(t time.Time, lang string) string {
	return FormatDay(t, lang) + ", " + FormatClock(t, lang)
}

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
