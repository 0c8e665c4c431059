package rdv

import (
	"testing"
	"time"
)

func TestSlotStateRequestValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		state SlotState
		field string
	}{
		{SlotFree, ""},
		{SlotBlocked, ""},
		{SlotBooked, "state"}, // staff may not set a slot booked by hand
		{SlotHeld, "state"},
		{"", "state"},
	} {
		if got := ErrorField(SlotStateRequest{State: tc.state}.Validate()); got != tc.field {
			t.Errorf("state %q: field %q, want %q", tc.state, got, tc.field)
		}
	}
}

func TestSlotValidate(t *testing.T) {
	t.Parallel()
	at := time.Date(2027, 2, 1, 14, 0, 0, 0, time.UTC)
	ok := Slot{PractitionerID: 1, Service: General, Audience: Public, Start: at, End: at.Add(15 * time.Minute)}
	for _, tc := range []struct {
		name  string
		edit  func(*Slot)
		field string
	}{
		{"valid", func(*Slot) {}, ""},
		{"for rostered patients", func(s *Slot) { s.Audience = Rostered }, ""},
		{"four hours", func(s *Slot) { s.End = at.Add(4 * time.Hour) }, ""},
		{"no practitioner", func(s *Slot) { s.PractitionerID = 0 }, "practitioner"},
		{"unknown service", func(s *Slot) { s.Service = "x" }, "service"},
		{"unknown audience", func(s *Slot) { s.Audience = "vip" }, "audience"},
		{"ends before it starts", func(s *Slot) { s.End = at.Add(-15 * time.Minute) }, "end"},
		{"empty", func(s *Slot) { s.End = at }, "end"},
		{"longer than four hours", func(s *Slot) { s.End = at.Add(4*time.Hour + time.Minute) }, "end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			tc.edit(&s)
			err := s.Validate()
			if got := ErrorField(err); got != tc.field {
				t.Fatalf("field %q, want %q (%v)", got, tc.field, err)
			}
			if err != nil && ErrorCode(err) != EINVALID {
				t.Fatalf("code %q, want %q", ErrorCode(err), EINVALID)
			}
		})
	}
}

func TestPlanChangeValidate(t *testing.T) {
	t.Parallel()
	day := Date{2027, 2, 1}
	block := PlanBlock{Weekday: time.Monday, StartMinute: 540, EndMinute: 600, Service: General, SlotMinutes: 15, Audience: Public}
	ok := PlanChange{ClinicID: 7, Plan: WorkingPlan{PractitionerID: 1, Blocks: []PlanBlock{block}}, From: day, To: day.AddDays(56)}
	for _, tc := range []struct {
		name  string
		edit  func(*PlanChange)
		field string
	}{
		{"valid", func(*PlanChange) {}, ""},
		{"a year", func(c *PlanChange) { c.To = day.AddDays(366) }, ""},
		{"no practitioner", func(c *PlanChange) { c.Plan.PractitionerID = 0 }, "practitioner"},
		{"empty horizon", func(c *PlanChange) { c.To = day }, "to"},
		{"more than a year", func(c *PlanChange) { c.To = day.AddDays(367) }, "to"},
		{"a block's field", func(c *PlanChange) {
			c.Plan.Blocks = []PlanBlock{block, block}
			c.Plan.Blocks[1].SlotMinutes = 300
		}, "blocks[1].slot_minutes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			if got := ErrorField(c.Validate()); got != tc.field {
				t.Fatalf("field %q, want %q", got, tc.field)
			}
		})
	}
}

// TestPlanBlockValidate: a block alone names its fields bare; the plan
// names them after the block's place (TestPlanValidate).
func TestPlanBlockValidate(t *testing.T) {
	t.Parallel()
	b := PlanBlock{Weekday: time.Monday, StartMinute: 22 * 60, EndMinute: 30 * 60, Service: Urgent, SlotMinutes: 30, Audience: Rostered}
	if err := b.Validate(); err != nil {
		t.Fatalf("a night block: %v", err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*PlanBlock)
		field string
	}{
		{"start outside the day", func(b *PlanBlock) { b.StartMinute = 24 * 60 }, "start"},
		{"a day or more", func(b *PlanBlock) { b.EndMinute = b.StartMinute + 24*60 + 1 }, "end"},
		{"slot too long", func(b *PlanBlock) { b.SlotMinutes = 241 }, "slot_minutes"},
	} {
		x := b
		tc.edit(&x)
		if got := ErrorField(x.Validate()); got != tc.field {
			t.Errorf("%s: field %q, want %q", tc.name, got, tc.field)
		}
	}
}

// TestPlanExceptionNormalised: Validate leaves an exception in the one
// form stores keep.
func TestPlanExceptionNormalised(t *testing.T) {
	t.Parallel()
	day := Date{2027, 2, 1}
	for _, tc := range []struct {
		name      string
		in, want  PlanException
		wantField string
	}{
		{"one day has no Until", PlanException{Date: day, Until: day, AllDay: true}, PlanException{Date: day, AllDay: true}, ""},
		{"the whole day's window is the whole day", PlanException{Date: day, StartMinute: 0, EndMinute: 24 * 60}, PlanException{Date: day, AllDay: true}, ""},
		{"a whole day has no minutes", PlanException{Date: day, AllDay: true, StartMinute: 60, EndMinute: 120}, PlanException{Date: day, AllDay: true}, ""},
		{"the reason trimmed", PlanException{Date: day, AllDay: true, Reason: "  Férié\n"}, PlanException{Date: day, AllDay: true, Reason: "Férié"}, ""},
		{"control character in the reason", PlanException{Date: day, AllDay: true, Reason: "Fé\x00rié"}, PlanException{}, "reason"},
	} {
		e := tc.in
		err := e.Validate()
		if got := ErrorField(err); got != tc.wantField {
			t.Errorf("%s: field %q, want %q (%v)", tc.name, got, tc.wantField, err)
		}
		if err == nil && e != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, e, tc.want)
		}
	}
}
