package ical_test

import (
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/ical"
	"rdv/ical/icaltest"
)

// TestICALJSReads: the appointment's file, booked and cancelled, and
// staff feeds of several events, in each language, with accents, escaped
// commas and semicolons and long folded lines, are read by all three
// parsers, ical.js in one run.
func TestICALJSReads(t *testing.T) {
	t.Parallel()
	icaltest.RequireICALJS(t)
	start := time.Date(2026, time.December, 8, 14, 30, 0, 0, time.UTC)
	now := time.Date(2026, time.November, 28, 9, 5, 7, 0, time.UTC)
	c := rdv.Clinic{Name: "Clinique du Plateau; Saint-Louis, Montréal", Address: "1000 avenue du Mont-Royal Est", City: "Montréal", Phone: "514 555-0100"}
	booked := rdv.Appointment{ID: 42, Status: rdv.Booked, Revision: 1, Slot: rdv.Slot{Service: rdv.General, Start: start, End: start.Add(15 * time.Minute)}}
	cancelled := booked
	cancelled.ID, cancelled.Status, cancelled.Revision = 43, rdv.Cancelled, 4
	arrived := booked
	arrived.ID, arrived.Status, arrived.Slot = 44, rdv.Arrived, rdv.Slot{Service: rdv.Pediatrics, Start: start.Add(time.Hour), End: start.Add(90 * time.Minute)}
	bodies := []string{ical.Write(ical.Event{UID: "rdv-1@rdv", Stamp: now, Start: start, End: start.Add(time.Hour),
		Summary: "Rendez-vous médical : Consultation générale, Clinique du Plateau", Location: "Clinique; 1000 avenue, Montréal",
		Description: "avec Dre Amélie Tremblay\nC:\\dossier " + strings.Repeat("é", 60)})}
	for _, lang := range []string{"fr", "en"} {
		for _, a := range []rdv.Appointment{booked, cancelled} {
			bodies = append(bodies, ical.Write(ical.AppointmentEvent(ical.Visit{Appointment: a, Clinic: c,
				Practitioner: "Dre Amélie Gagnon-Bélanger", URL: "https://rdv.example.org/rendez-vous/42?token=t"}, lang, now)))
		}
		feed := ical.Calendar{Name: ical.FeedName(c.Name, "Dre Amélie Gagnon-Bélanger", lang), Refresh: 15 * time.Minute}
		for _, a := range []rdv.Appointment{booked, cancelled, arrived} {
			feed.Events = append(feed.Events, ical.StaffEvent(ical.StaffVisit{Appointment: a, Clinic: c,
				Practitioner: "Dre Amélie Gagnon-Bélanger", URL: "https://rdv.example.org/clinique/rendez-vous/42"}, lang, now))
		}
		bodies = append(bodies, ical.WriteCalendar(feed))
	}
	folded := false
	for _, body := range bodies {
		icaltest.MustParse(t, body)
		folded = folded || strings.Contains(body, "\r\n ")
	}
	if !folded {
		t.Fatal("no calendar has a folded line")
	}
	icaltest.MustICALJS(t, bodies)
}
