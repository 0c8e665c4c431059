package rdv

import "time"

// RequestCriteria are what a request's person asks of the slots the
// platform proposes, as the request form and the JSON API receive them:
// from and to (YYYY-MM-DD), weekdays and times (the lists of the slot
// search's parameters of the same names), the practitioner's language
// (fr, en or "" for any) and the scope (own_clinic or network, "" for the
// network). Both read them with Apply, so that a request from either
// means the same and is refused for the same mistakes.
type RequestCriteria struct {
	From, To        string
	Weekdays, Times string
	Language, Scope string
}

// Apply sets r's range, days, times, language and scope from c, read at
// now as a search reads them (ParseDateRange, ParseWeekdays, ParseTimes);
// the first mistake is a FieldError named after the API's field. A range
// that is already over (a to in the past) is refused: no slot could fit.
func (c RequestCriteria) Apply(r AppointmentRequest, now time.Time) (AppointmentRequest, error) {
	from, to, err := ParseDateRange(c.From, c.To, now)
	if err != nil {
		return r, err
	}
	if !from.Before(to) {
		return r, FieldError("to", "the range is over")
	}
	r.From, r.To = from, to
	r.Weekdays = 0
	if c.Weekdays != "" {
		days, ok := ParseWeekdays(c.Weekdays)
		if !ok {
			return r, FieldError("weekdays", "weekdays must list mon..sun")
		}
		r.Weekdays = days
	}
	r.Times = ""
	if c.Times != "" {
		ws := make([]Window, 0, MaxWindows)
		n, ok := ParseTimes(c.Times, ws)
		if !ok {
			return r, FieldError("times", "times must list morning, afternoon, evening or HH:MM-HH:MM")
		}
		r.Times = FormatTimes(ws[:n])
	}
	switch c.Language {
	case "", "fr", "en":
		r.PractitionerLanguage = c.Language
	default:
		return r, FieldError("language", "language must be fr or en")
	}
	scope, err := ParseScope(c.Scope)
	if err != nil {
		return r, err
	}
	r.Scope = scope
	return r, nil
}
