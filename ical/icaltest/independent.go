package icaltest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
)

// Checked is one event as a parser that is not rdv's read it.
type Checked struct {
	UID        string
	Sequence   int
	Start, End time.Time
	URL        string // "" when the event has no link
	Status     string
}

// Independent reads body with an iCalendar parser written apart from rdv
// and from Parse (github.com/arran4/golang-ical, which refuses a
// malformed line, a component left open or a property outside one), and
// checks what a calendar needs of each event to keep it right: a UID,
// a DTSTAMP, a DTSTART in UTC or with a TZID that the time-zone database
// knows (a floating time means another hour in every other zone), a
// DTEND after it, a SEQUENCE that is a whole number, and a link, when
// there is one, that is absolute. It returns the events in order.
func Independent(body string) ([]Checked, error) {
	cal, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("golang-ical: %w", err)
	}
	var out []Checked
	for i, ev := range cal.Events() {
		c, err := checkEvent(ev)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i+1, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("golang-ical: no event")
	}
	return out, nil
}

// checkEvent checks one event as Independent says.
func checkEvent(ev *ics.VEvent) (Checked, error) {
	var c Checked
	value := func(p ics.ComponentProperty) string {
		if prop := ev.GetProperty(p); prop != nil {
			return prop.Value
		}
		return ""
	}
	if c.UID = value(ics.ComponentPropertyUniqueId); c.UID == "" {
		return c, errors.New("no UID")
	}
	if _, err := ev.GetDtStampTime(); err != nil || !strings.HasSuffix(value(ics.ComponentPropertyDtstamp), "Z") {
		return c, fmt.Errorf("%s: DTSTAMP %q is no UTC time: %v", c.UID, value(ics.ComponentPropertyDtstamp), err)
	}
	var err error
	if c.Start, err = zonedTime(ev, ics.ComponentPropertyDtStart); err != nil {
		return c, fmt.Errorf("%s: DTSTART: %w", c.UID, err)
	}
	if c.End, err = zonedTime(ev, ics.ComponentPropertyDtEnd); err != nil {
		return c, fmt.Errorf("%s: DTEND: %w", c.UID, err)
	}
	if !c.End.After(c.Start) {
		return c, fmt.Errorf("%s: ends at %v, not after its start %v", c.UID, c.End, c.Start)
	}
	seq := value(ics.ComponentPropertySequence)
	if c.Sequence, err = strconv.Atoi(seq); err != nil || c.Sequence < 0 || seq != strconv.Itoa(c.Sequence) {
		return c, fmt.Errorf("%s: SEQUENCE %q is no whole number", c.UID, seq)
	}
	if c.URL = value(ics.ComponentPropertyUrl); c.URL != "" {
		if err := AbsoluteURL(c.URL); err != nil {
			return c, fmt.Errorf("%s: URL: %w", c.UID, err)
		}
	}
	c.Status = value(ics.ComponentPropertyStatus)
	return c, nil
}

// zonedTime reads a date-time property that names its zone: in UTC (a
// final Z) or with a TZID, never floating.
func zonedTime(ev *ics.VEvent, p ics.ComponentProperty) (time.Time, error) {
	prop := ev.GetProperty(p)
	if prop == nil {
		return time.Time{}, errors.New("absent")
	}
	_, zoned := prop.ICalParameters["TZID"]
	if utc := strings.HasSuffix(prop.Value, "Z"); utc == zoned {
		return time.Time{}, fmt.Errorf("%q is neither in UTC nor with one TZID", prop.Value)
	}
	var t time.Time
	var err error
	if p == ics.ComponentPropertyDtStart {
		t, err = ev.GetStartAt()
	} else {
		t, err = ev.GetEndAt()
	}
	if err != nil {
		return time.Time{}, err
	}
	return t, nil
}
