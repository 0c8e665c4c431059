package demo

import (
	"time"

	"rdv"
)

// holiday is a day on which the clinics of the network are closed.
type holiday struct {
	Date rdv.Date
	Name string
}

// holidaysBetween returns the Québec statutory holidays (and Boxing Day,
// when clinics close too) in [from, to), in date order.
func holidaysBetween(from, to rdv.Date) []holiday {
	var out []holiday
	for y := from.Year; y <= to.Year; y++ {
		for _, h := range holidaysOf(y) {
			if !h.Date.Before(from) && h.Date.Before(to) {
				out = append(out, h)
			}
		}
	}
	return out
}

// holidaysOf returns the year's holidays in date order.
func holidaysOf(y int) []holiday {
	easter := easterSunday(y)
	return []holiday{
		{rdv.Date{Year: y, Month: time.January, Day: 1}, "Jour de l'An"},
		{easter.AddDays(-2), "Vendredi saint"},
		{easter.AddDays(1), "Lundi de Pâques"},
		{mondayBefore(rdv.Date{Year: y, Month: time.May, Day: 25}), "Journée nationale des patriotes"},
		{rdv.Date{Year: y, Month: time.June, Day: 24}, "Fête nationale du Québec"},
		{rdv.Date{Year: y, Month: time.July, Day: 1}, "Fête du Canada"},
		{nthMonday(y, time.September, 1), "Fête du Travail"},
		{nthMonday(y, time.October, 2), "Action de grâce"},
		{rdv.Date{Year: y, Month: time.December, Day: 25}, "Noël"},
		{rdv.Date{Year: y, Month: time.December, Day: 26}, "Lendemain de Noël"},
	}
}

// easterSunday computes Easter in the Gregorian calendar (the anonymous
// Gregorian algorithm, also known as Meeus/Jones/Butcher).
func easterSunday(y int) rdv.Date {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return rdv.Date{Year: y, Month: time.Month(month), Day: day}
}

// nthMonday returns the n-th Monday of the month.
func nthMonday(y int, m time.Month, n int) rdv.Date {
	d := rdv.Date{Year: y, Month: m, Day: 1}
	for d.Weekday() != time.Monday {
		d = d.AddDays(1)
	}
	return d.AddDays(7 * (n - 1))
}

// mondayBefore returns the last Monday strictly before d.
func mondayBefore(d rdv.Date) rdv.Date {
	d = d.AddDays(-1)
	for d.Weekday() != time.Monday {
		d = d.AddDays(-1)
	}
	return d
}
