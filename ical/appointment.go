package ical

import (
	"fmt"
	"strconv"
	"time"

	"rdv"
	"rdv/i18n"
)

// The calendar file's texts, in the one set of texts.
func init() {
	i18n.Add(i18n.Catalog{
		"ics.summary":     {"Rendez-vous médical : %s, %s", "Medical appointment: %s, %s"},
		"ics.description": {"Rendez-vous n° %s. Apportez votre carte d'assurance maladie.", "Appointment no. %s. Bring your health insurance card."},
		"ics.alarm":       {"Rappel : rendez-vous médical le %s, %s", "Reminder: medical appointment on %s, %s"},
		"ics.with":        {"avec %s", "with %s"},
	})
}

// reminders are how long before an appointment its calendar file asks
// for a reminder: the day before, to arrange the time off, and two hours
// before, to leave.
var reminders = []time.Duration{24 * time.Hour, 2 * time.Hour}

// Visit is what the calendar file of an appointment is made from.
type Visit struct {
	Appointment  rdv.Appointment // its ID, slot, status and revision
	Clinic       rdv.Clinic      // its name, address, city and phone
	Practitioner string          // as the clinic writes it; "" for none
	// URL is the appointment's page, absolute, with the token of its
	// link: the file is its holder's, like the page or the message it
	// came from. "" leaves it out.
	URL string
}

// UID is the calendar identity of an appointment, the same in every
// file made of it, whatever its time or status.
func UID(appointmentID int64) string { return fmt.Sprintf("rdv-%d@rdv", appointmentID) }

// AppointmentEvent is the event of an appointment in lang, stamped now.
func AppointmentEvent(v Visit, lang string, now time.Time) Event {
	a, c := v.Appointment, v.Clinic
	desc := i18n.T(lang, "ics.description", strconv.FormatInt(a.ID, 10))
	if v.Practitioner != "" {
		desc = i18n.T(lang, "ics.with", i18n.PractitionerName(v.Practitioner, lang)) + "\n" + desc
	}
	if c.Phone != "" {
		desc += "\n" + c.Phone
	}
	ev := Event{
		UID:         UID(a.ID),
		Stamp:       now,
		Start:       a.Slot.Start,
		End:         a.Slot.End,
		Summary:     i18n.T(lang, "ics.summary", a.Slot.Service.Name(lang), c.Name),
		Location:    c.Name + ", " + c.Address + ", " + c.City,
		Description: desc,
		URL:         v.URL,
		Sequence:    a.Revision,
		Cancelled:   a.Status == rdv.Cancelled,
	}
	alarm := i18n.T(lang, "ics.alarm", i18n.FormatDateTime(a.Slot.Start, lang), c.Name)
	for _, before := range reminders {
		ev.Alarms = append(ev.Alarms, Alarm{Before: before, Description: alarm})
	}
	return ev
}
