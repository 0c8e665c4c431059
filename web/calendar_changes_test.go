package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/ical"
	"rdv/ical/icaltest"
)

// downloadICS fetches the appointment's calendar file and parses it
// strictly; it returns the one event.
func (rs *rescheduling) downloadICS(t *testing.T) *icaltest.Component {
	t.Helper()
	res := rs.s.get(calendarURL(rs.id, rs.token), rs.lang).want(t, http.StatusOK)
	return icaltest.MustParse(t, res.body).Event(t)
}

// TestCalendarFileFollowsChanges: the .ics links back to the appointment's
// page (absolute, from the configured public address, with its token),
// carries the appointment's revision as SEQUENCE, and two reminders; a
// reschedule and then a cancellation each give a file with a higher
// SEQUENCE, the cancelled one with STATUS:CANCELLED and no reminder. Every
// file passes a strict RFC 5545 reading. In both languages.
func TestCalendarFileFollowsChanges(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			rs := newRescheduling(t, lang)
			var err error
			if rs.s.srv.publicURL, err = ParsePublicURL("https://rdv.example.org/"); err != nil {
				t.Fatal(err)
			}
			ev := rs.downloadICS(t)
			link := ev.Prop("URL")
			if err := icaltest.AbsoluteURL(link); err != nil {
				t.Fatal(err)
			}
			if want := "https://rdv.example.org" + appointmentURL(rs.id, rs.token, ""); link != want {
				t.Fatalf("URL %q, want the appointment's page %q", link, want)
			}
			if got := ev.Sequence(t); got != 0 {
				t.Fatalf("a new booking's SEQUENCE is %d, want 0", got)
			}
			if st := ev.Prop("STATUS"); st != "CONFIRMED" {
				t.Fatalf("STATUS %s", st)
			}
			alarms := ev.Components("VALARM")
			var triggers []string
			for _, a := range alarms {
				triggers = append(triggers, a.Prop("TRIGGER"))
				c, _ := rs.s.index.Clinic(rs.before.Slot.ClinicID)
				if d := a.Prop("DESCRIPTION"); !strings.Contains(d, c.Name) || !strings.Contains(d, FormatDateTime(rs.before.Slot.Start, lang)) {
					t.Errorf("reminder says %q, want the time and the clinic", d)
				}
				if d := a.Prop("DESCRIPTION"); !strings.HasPrefix(d, map[string]string{"fr": "Rappel", "en": "Reminder"}[lang]) {
					t.Errorf("reminder in the wrong language: %q", d)
				}
			}
			if strings.Join(triggers, " ") != "-PT24H -PT2H" {
				t.Fatalf("reminders %v, want the day before and two hours before", triggers)
			}

			// Moved: a higher SEQUENCE and the new time.
			formURL, _ := rs.hold(t)
			rs.s.post(confirmAction(formURL), rs.confirmForm(t, formURL), lang).want(t, http.StatusSeeOther)
			moved := rs.appointment(t)
			ev = rs.downloadICS(t)
			if got := ev.Sequence(t); got != 1 {
				t.Fatalf("after a reschedule SEQUENCE is %d, want 1", got)
			}
			if got, want := ev.Prop("DTSTART"), moved.Slot.Start.UTC().Format(ical.DateTime); got != want {
				t.Fatalf("DTSTART %s after the move, want %s", got, want)
			}
			if ev.Prop("URL") != link || ev.Prop("UID") != "rdv-"+strconv.FormatInt(rs.id, 10)+"@rdv" {
				t.Fatalf("the moved event changed its UID or link: %q %q", ev.Prop("UID"), ev.Prop("URL"))
			}

			// Cancelled: higher again, cancelled, no reminder left.
			if _, err := rs.s.engine.Cancel(context.Background(), rs.id, rs.token, nil); err != nil {
				t.Fatalf("cancel: %v", err)
			}
			ev = rs.downloadICS(t)
			if got := ev.Sequence(t); got != 2 {
				t.Fatalf("after the cancellation SEQUENCE is %d, want 2", got)
			}
			if st := ev.Prop("STATUS"); st != "CANCELLED" {
				t.Fatalf("STATUS %s after the cancellation", st)
			}
			if n := len(ev.Components("VALARM")); n != 0 {
				t.Fatalf("a cancelled appointment still sets %d reminders", n)
			}
		})
	}
}

// TestCalendarFileLinkNeedsPublicURL: with no public address configured
// the file carries no URL (a path is no URI to a calendar), and a
// request's Host header never stands in for it.
func TestCalendarFileLinkNeedsPublicURL(t *testing.T) {
	t.Parallel()
	rs := newRescheduling(t, "fr")
	r := calendarURL(rs.id, rs.token)
	req := rs.s.get(r, "fr").want(t, http.StatusOK)
	if strings.Contains(req.body, "URL:") {
		t.Fatalf("a URL without a configured public address:\n%s", req.body)
	}
	icaltest.MustParse(t, req.body)
	// A status change at the desk raises the SEQUENCE too.
	d := rs.s.store
	if _, err := d.SetAppointmentStatus(context.Background(), rdv.AppointmentStatusRequest{ClinicID: rs.before.Slot.ClinicID,
		AppointmentID: rs.id, Status: rdv.Arrived, Now: rs.before.Slot.Start.Add(-time.Minute)}); err != nil {
		t.Fatalf("mark arrived: %v", err)
	}
	if got := icaltest.MustParse(t, rs.s.get(r, "fr").want(t, http.StatusOK).body).Event(t).Sequence(t); got != 1 {
		t.Fatalf("after an arrival SEQUENCE is %d, want 1", got)
	}
}
