package ical

import (
	"time"

	"rdv"
	"rdv/i18n"
)

// The staff feeds' texts. A feed's address is a secret that the staff's
// calendar services (Google, Apple, Microsoft) fetch and keep on their
// own servers, beyond the platform's reach: so a feed's events say when,
// what, with whom and which appointment, and never who the patient is.
// The event's link opens the appointment in the clinic portal, behind
// the staff's sign-in, where reading the patient's record is audited.
func init() {
	i18n.Add(i18n.Catalog{
		"ics.staff.summary":          {"%s · %s", "%s · %s"},
		"ics.staff.description":      {"Rendez-vous n° %d (%s). Le patient et son dossier sont dans le portail de la clinique, après connexion.", "Appointment no. %d (%s). The patient and their record are in the clinic portal, once signed in."},
		"ics.staff.status.booked":    {"réservé", "booked"},
		"ics.staff.status.arrived":   {"arrivé", "arrived"},
		"ics.staff.status.fulfilled": {"terminé", "done"},
		"ics.staff.status.noshow":    {"absent", "no-show"},
		"ics.feed.clinic":            {"Rendez-vous — %s", "Appointments — %s"},
		"ics.feed.practitioner":      {"Rendez-vous — %s, %s", "Appointments — %s, %s"},
	})
}

// StaffVisit is what a staff feed's event is made from. Its appointment's
// patient is never read.
type StaffVisit struct {
	Appointment  rdv.Appointment // its ID, slot, status and revision
	Clinic       rdv.Clinic      // its name, address and city
	Practitioner string          // as the clinic writes it; "" for none
	// URL is the appointment's page in the clinic portal, absolute; ""
	// leaves it out.
	URL string
}

// StaffEvent is the event of an appointment in a staff feed, in lang,
// stamped now: the appointment's own UID and SEQUENCE (a calendar that
// has the patient's file of it knows it as the same event), its service
// and practitioner, its number and status, no reminder, and no patient.
func StaffEvent(v StaffVisit, lang string, now time.Time) Event {
	a, c := v.Appointment, v.Clinic
	summary := a.Slot.Service.Name(lang)
	if v.Practitioner != "" {
		summary = i18n.T(lang, "ics.staff.summary", summary, i18n.PractitionerName(v.Practitioner, lang))
	}
	status := i18n.T(lang, "ics.staff.status.booked")
	switch a.Status {
	case rdv.Arrived, rdv.Fulfilled, rdv.NoShow:
		status = i18n.T(lang, "ics.staff.status."+string(a.Status))
	}
	return Event{
		UID:         UID(a.ID),
		Stamp:       now,
		Start:       a.Slot.Start,
		End:         a.Slot.End,
		Summary:     summary,
		Location:    c.Name + ", " + c.Address + ", " + c.City,
		Description: i18n.T(lang, "ics.staff.description", a.ID, status),
		URL:         v.URL,
		Sequence:    a.Revision,
		Cancelled:   a.Status == rdv.Cancelled,
	}
}

// FeedName is the name of a clinic's feed, or of one practitioner's
// when practitioner is not "".
func FeedName(clinic, practitioner, lang string) string {
	if practitioner == "" {
		return i18n.T(lang, "ics.feed.clinic", clinic)
	}
	return i18n.T(lang, "ics.feed.practitioner", i18n.PractitionerName(practitioner, lang), clinic)
}
