package ical_test

import (
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/ical"
	"rdv/ical/icaltest"
)

// TestStaffFeed: a feed of several appointments, in each language, is
// one calendar with its name and refresh, one event per appointment with
// the appointment's UID and SEQUENCE, its portal link, and nothing of
// its patient; both parsers read it alike.
func TestStaffFeed(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, time.December, 8, 14, 30, 0, 0, time.UTC)
	c := rdv.Clinic{Name: "Clinique du Plateau", Address: "1000 avenue du Mont-Royal Est", City: "Montréal"}
	patient := rdv.Patient{FirstName: "Léa", LastName: "Tremblay", HealthNumber: "TREL85540712", Phone: "5145550123", Email: "lea@example.org"}
	appts := []rdv.Appointment{
		{ID: 41, Status: rdv.Booked, Revision: 0, Patient: patient, Slot: rdv.Slot{Service: rdv.General, Start: start, End: start.Add(15 * time.Minute)}},
		{ID: 42, Status: rdv.Arrived, Revision: 3, Patient: patient, Slot: rdv.Slot{Service: rdv.Pediatrics, Start: start.Add(time.Hour), End: start.Add(90 * time.Minute)}},
	}
	now := time.Date(2026, time.November, 28, 9, 5, 7, 0, time.UTC)
	for _, tt := range []struct {
		lang, name, summary, description string
	}{
		{"fr", "Rendez-vous — Dre Amélie Gagnon, Clinique du Plateau", "Pédiatrie · Dre Amélie Gagnon",
			"Rendez-vous n° 42 (arrivé). Le patient et son dossier sont dans le portail de la clinique, après connexion."},
		{"en", "Appointments — Dr. Amélie Gagnon, Clinique du Plateau", "Pediatrics · Dr. Amélie Gagnon",
			"Appointment no. 42 (arrived). The patient and their record are in the clinic portal, once signed in."},
	} {
		feed := ical.Calendar{Name: ical.FeedName(c.Name, "Dre Amélie Gagnon", tt.lang), Refresh: 15 * time.Minute}
		for _, a := range appts {
			feed.Events = append(feed.Events, ical.StaffEvent(ical.StaffVisit{Appointment: a, Clinic: c, Practitioner: "Dre Amélie Gagnon",
				URL: "https://rdv.example.org/clinique/rendez-vous/" + map[int64]string{41: "41", 42: "42"}[a.ID]}, tt.lang, now))
		}
		body := ical.WriteCalendar(feed)
		cal := icaltest.MustParse(t, body)
		if cal.Prop("NAME") != tt.name || cal.Prop("X-WR-CALNAME") != tt.name || cal.Prop("X-PUBLISHED-TTL") != "PT15M" {
			t.Errorf("%s: calendar %v", tt.lang, cal.Props)
		}
		events := cal.Components("VEVENT")
		if len(events) != 2 {
			t.Fatalf("%s: %d events, want 2", tt.lang, len(events))
		}
		ev := events[1]
		for prop, want := range map[string]string{
			"UID": ical.UID(42), "SEQUENCE": "3", "DTSTART": "20261208T153000Z", "DTEND": "20261208T160000Z", "SUMMARY": tt.summary,
			"DESCRIPTION": tt.description, "URL": "https://rdv.example.org/clinique/rendez-vous/42", "STATUS": "CONFIRMED",
		} {
			if got := ev.Prop(prop); got != want {
				t.Errorf("%s: %s %q, want %q", tt.lang, prop, got, want)
			}
		}
		if len(ev.Components("VALARM")) != 0 {
			t.Errorf("%s: a staff event rings", tt.lang)
		}
		checked, err := icaltest.Independent(body)
		if err != nil || len(checked) != 2 || checked[0].UID != ical.UID(41) || checked[0].Sequence != 0 || !checked[1].Start.Equal(start.Add(time.Hour)) {
			t.Errorf("%s: golang-ical reads %+v, %v", tt.lang, checked, err)
		}
		unfolded := strings.ReplaceAll(body, "\r\n ", "")
		for _, secret := range []string{"Léa", "Tremblay", "TREL", "5145550123", "lea@"} {
			if strings.Contains(unfolded, secret) {
				t.Errorf("%s: the feed tells %q of the patient:\n%s", tt.lang, secret, body)
			}
		}
	}
	if got := ical.FeedName("Clinique du Plateau", "", "fr"); got != "Rendez-vous — Clinique du Plateau" {
		t.Errorf("a clinic's feed is called %q", got)
	}
}

// TestWriteMatchesOneEventCalendar: an appointment's file is the
// calendar of its one event, with neither name nor refresh.
func TestWriteMatchesOneEventCalendar(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, time.December, 8, 14, 30, 0, 0, time.UTC)
	ev := ical.Event{UID: "rdv-1@rdv", Stamp: start, Start: start, End: start.Add(time.Hour), Summary: "s", Location: "l"}
	if one, cal := ical.Write(ev), ical.WriteCalendar(ical.Calendar{Events: []ical.Event{ev}}); one != cal {
		t.Errorf("Write:\n%s\nWriteCalendar:\n%s", one, cal)
	}
	if body := ical.Write(ev); strings.Contains(body, "NAME") || strings.Contains(body, "TTL") {
		t.Errorf("a single event's file names a calendar:\n%s", body)
	}
}
