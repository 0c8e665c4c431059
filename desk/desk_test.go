package desk

import (
	"strings"
	"testing"
	"time"

	"rdv"
)

func TestCanSetSlotState(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 2, 1, 14, 0, 0, 0, time.UTC)
	later := now.Add(time.Hour)
	for _, tc := range []struct {
		name string
		slot rdv.Slot
		code string
	}{
		{"free slot", rdv.Slot{Start: later, State: rdv.SlotFree}, ""},
		{"blocked slot", rdv.Slot{Start: later, State: rdv.SlotBlocked}, ""},
		{"hold ran out", rdv.Slot{Start: later, State: rdv.SlotHeld, HoldExpires: now}, ""},
		{"live hold", rdv.Slot{Start: later, State: rdv.SlotHeld, HoldExpires: now.Add(time.Minute)}, rdv.ECONFLICT},
		{"booked", rdv.Slot{Start: later, State: rdv.SlotBooked}, rdv.ECONFLICT},
		{"started", rdv.Slot{Start: now, State: rdv.SlotFree}, rdv.ECONFLICT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rdv.ErrorCode(CanSetSlotState(tc.slot, rdv.SlotBlocked, now)); got != tc.code {
				t.Fatalf("code %q, want %q", got, tc.code)
			}
		})
	}
}

func TestCanSetAppointmentStatus(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 2, 1, 14, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		from, to rdv.AppointmentStatus
		code     string
	}{
		{rdv.Booked, rdv.Arrived, ""},
		{rdv.Booked, rdv.NoShow, ""},
		{rdv.Arrived, rdv.Fulfilled, ""},
		{rdv.NoShow, rdv.NoShow, ""}, // recording it again changes nothing
		{rdv.Cancelled, rdv.Arrived, rdv.ECONFLICT},
		{rdv.Fulfilled, rdv.NoShow, rdv.ECONFLICT},
		{rdv.Booked, rdv.Cancelled, rdv.EINVALID}, // cancelling is not a desk status
		{rdv.Booked, rdv.Booked, rdv.EINVALID},
	} {
		a := rdv.Appointment{Status: tc.from, Slot: rdv.Slot{Start: now.Add(3 * time.Hour)}}
		got := rdv.ErrorCode(CanSetAppointmentStatus(a, tc.to, now))
		if got != tc.code {
			t.Errorf("%s → %s: code %q, want %q", tc.from, tc.to, got, tc.code)
		}
	}
}

// TestStatusBeforeTheDay: a visit is recorded from its day on, the day
// being the clinics' (America/Toronto), not UTC's.
func TestStatusBeforeTheDay(t *testing.T) {
	t.Parallel()
	at := func(day, hour, minute int) time.Time { return time.Date(2027, 2, day, hour, minute, 0, 0, rdv.Toronto) }
	visit := at(2, 9, 0) // Tuesday 2 February, 09:00 in Montréal
	for _, tc := range []struct {
		name   string
		now    time.Time
		status rdv.AppointmentStatus
		code   string
	}{
		{"the day before", at(1, 14, 0), rdv.Arrived, rdv.ETOOEARLY},
		{"no-show the day before", at(1, 14, 0), rdv.NoShow, rdv.ETOOEARLY},
		{"seen a week before", at(2, 9, 0).AddDate(0, 0, -7), rdv.Fulfilled, rdv.ETOOEARLY},
		{"late the evening before (already the 2nd in UTC)", at(1, 23, 30), rdv.Arrived, rdv.ETOOEARLY},
		{"just after midnight", at(2, 0, 5), rdv.Arrived, ""},
		{"early that morning", at(2, 7, 0), rdv.NoShow, ""},
		{"at the time", visit, rdv.Arrived, ""},
		{"days after", at(5, 10, 0), rdv.Fulfilled, ""},
		{"not a desk status, before the day", at(1, 14, 0), rdv.Cancelled, rdv.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := rdv.Appointment{ID: 1, Status: rdv.Booked, Slot: rdv.Slot{Start: visit.UTC()}}
			if got := rdv.ErrorCode(CanSetAppointmentStatus(a, tc.status, tc.now)); got != tc.code {
				t.Fatalf("code %q, want %q", got, tc.code)
			}
			if tc.status != rdv.Cancelled && VisitDayCome(a.Slot.Start, tc.now) != (tc.code != rdv.ETOOEARLY) {
				t.Fatalf("VisitDayCome disagrees with the rule")
			}
		})
	}
}

func TestCheckNewSlots(t *testing.T) {
	t.Parallel()
	at := time.Date(2027, 2, 1, 14, 0, 0, 0, time.UTC)
	slot := func(start time.Time, minutes int) rdv.Slot {
		return rdv.Slot{PractitionerID: 1, Service: rdv.General, Start: start, End: start.Add(time.Duration(minutes) * time.Minute)}
	}
	for _, tc := range []struct {
		name  string
		slots []rdv.Slot
		code  string
	}{
		{"two in a row", []rdv.Slot{slot(at, 15), slot(at.Add(15*time.Minute), 15)}, ""},
		{"none", nil, rdv.EINVALID},
		{"no practitioner", []rdv.Slot{{Service: rdv.General, Start: at, End: at.Add(time.Minute)}}, rdv.EINVALID},
		{"unknown service", []rdv.Slot{{PractitionerID: 1, Service: "x", Start: at, End: at.Add(time.Minute)}}, rdv.EINVALID},
		{"ends before it starts", []rdv.Slot{slot(at, -15)}, rdv.EINVALID},
		{"overlap", []rdv.Slot{slot(at, 30), slot(at.Add(15*time.Minute), 30)}, rdv.ECONFLICT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := CheckNewSlots(7, tc.slots)
			if got := rdv.ErrorCode(err); got != tc.code {
				t.Fatalf("code %q, want %q (%v)", got, tc.code, err)
			}
			for _, s := range out {
				if s.ClinicID != 7 || s.State != rdv.SlotFree || s.Audience != rdv.Public {
					t.Errorf("not normalised: %+v", s)
				}
			}
		})
	}
}

// TestCheckException: the exception's own fields are its type's rule;
// the desk adds the clock's: one that ended before today is refused.
func TestCheckException(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 2, 10, 14, 0, 0, 0, rdv.Toronto)
	today := rdv.DateOf(now)
	for _, tc := range []struct {
		name  string
		e     rdv.PlanException
		field string
	}{
		{"today", rdv.PlanException{ID: 9, Date: today, AllDay: true, Reason: " congé "}, ""},
		{"a stretch that is not over", rdv.PlanException{Date: today.AddDays(-3), Until: today, AllDay: true}, ""},
		{"ended yesterday", rdv.PlanException{Date: today.AddDays(-3), Until: today.AddDays(-1), AllDay: true}, "date"},
		{"its own fields", rdv.PlanException{Date: today, StartMinute: 600, EndMinute: 600}, "end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := CheckException(tc.e, now)
			if got := rdv.ErrorField(err); got != tc.field {
				t.Fatalf("field %q, want %q (%v)", got, tc.field, err)
			}
			if err == nil && (e.ID != 0 || e.Reason != strings.TrimSpace(tc.e.Reason)) {
				t.Fatalf("not normalised: %+v", e)
			}
		})
	}
}
