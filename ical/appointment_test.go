package ical_test

import (
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/ical"
	"rdv/ical/icaltest"
)

// TestAppointmentEvent: the event of an appointment in each language
// passes a strict reading, keeps one UID whatever happens to the
// appointment, follows its revision and drops its reminders once it is
// cancelled.
func TestAppointmentEvent(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, time.December, 8, 14, 30, 0, 0, time.UTC)
	a := rdv.Appointment{ID: 42, Status: rdv.Booked, Revision: 1,
		Slot: rdv.Slot{Service: rdv.General, Start: start, End: start.Add(15 * time.Minute)}}
	c := rdv.Clinic{Name: "Clinique du Plateau", Address: "1000 avenue du Mont-Royal Est", City: "Montréal", Phone: "514 555-0100"}
	now := time.Date(2026, time.November, 28, 9, 5, 7, 0, time.UTC)
	tests := []struct {
		lang                 string
		summary, description string
		alarm                string
	}{
		{"fr", "Rendez-vous médical : Consultation générale, Clinique du Plateau",
			"avec Dre Amélie Gagnon\nRendez-vous n° 42. Apportez votre carte d'assurance maladie.\n514 555-0100",
			"Rappel : rendez-vous médical le mardi 8 décembre, 9 h 30, Clinique du Plateau"},
		{"en", "Medical appointment: General consultation, Clinique du Plateau",
			"with Dr. Amélie Gagnon\nAppointment no. 42. Bring your health insurance card.\n514 555-0100",
			"Reminder: medical appointment on Tuesday, December 8, 9:30 a.m., Clinique du Plateau"},
	}
	for _, tt := range tests {
		visit := ical.Visit{Appointment: a, Clinic: c, Practitioner: "Dre Amélie Gagnon", URL: "https://rdv.example.org/rendez-vous/42?token=t"}
		ev := icaltest.MustParse(t, ical.Write(ical.AppointmentEvent(visit, tt.lang, now))).Event(t)
		for prop, want := range map[string]string{
			"UID": "rdv-42@rdv", "DTSTAMP": "20261128T090507Z", "DTSTART": "20261208T143000Z", "DTEND": "20261208T144500Z",
			"SUMMARY": tt.summary, "DESCRIPTION": tt.description, "LOCATION": "Clinique du Plateau, 1000 avenue du Mont-Royal Est, Montréal",
			"URL": visit.URL, "SEQUENCE": "1", "STATUS": "CONFIRMED",
		} {
			if got := ev.Prop(prop); got != want {
				t.Errorf("%s: %s %q, want %q", tt.lang, prop, got, want)
			}
		}
		alarms := ev.Components("VALARM")
		if len(alarms) != 2 || alarms[0].Prop("TRIGGER") != "-PT24H" || alarms[1].Prop("TRIGGER") != "-PT2H" || alarms[0].Prop("DESCRIPTION") != tt.alarm {
			t.Errorf("%s: alarms %+v", tt.lang, alarms)
		}

		cancelled := visit
		cancelled.Appointment.Status, cancelled.Appointment.Revision = rdv.Cancelled, 2
		cancelled.URL, cancelled.Practitioner, cancelled.Clinic.Phone = "", "", ""
		body := ical.Write(ical.AppointmentEvent(cancelled, tt.lang, now))
		ev = icaltest.MustParse(t, body).Event(t)
		if ev.Prop("UID") != ical.UID(42) || ev.Sequence(t) != 2 || ev.Prop("STATUS") != "CANCELLED" || len(ev.Components("VALARM")) != 0 {
			t.Errorf("%s: cancelled event:\n%s", tt.lang, body)
		}
		if strings.Contains(body, "URL:") || strings.Contains(ev.Prop("DESCRIPTION"), "\n") {
			t.Errorf("%s: a link or a line for what is not there:\n%s", tt.lang, body)
		}
	}
}
