package rdv

import (
	"testing"
	"time"
)

func TestExpandKeepsWallClockAcrossDST(t *testing.T) {
	t.Parallel()
	// 2026-11-01: clocks fall back at 02:00; 2027-03-14: they spring forward.
	for _, tc := range []struct {
		name     string
		from, to Date
	}{
		{"fall back", Date{2026, 10, 30}, Date{2026, 11, 4}},
		{"spring forward", Date{2027, 3, 12}, Date{2027, 3, 17}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := WorkingPlan{PractitionerID: 1, ClinicID: 1}
			for wd := time.Sunday; wd <= time.Saturday; wd++ {
				plan.Blocks = append(plan.Blocks, PlanBlock{Weekday: wd, StartMinute: 9 * 60, EndMinute: 10 * 60, Service: General, SlotMinutes: 15, Audience: Public})
			}
			slots := plan.Expand(tc.from, tc.to, Toronto)
			days := 0
			for d := tc.from; d.Before(tc.to); d = d.AddDays(1) {
				days++
			}
			if len(slots) != days*4 {
				t.Fatalf("got %d slots, want %d", len(slots), days*4)
			}
			for i, s := range slots {
				local := s.Start.In(Toronto)
				wantMin := 9*60 + (i%4)*15
				if got := local.Hour()*60 + local.Minute(); got != wantMin {
					t.Errorf("slot %d starts at %s local, want %02d:%02d", i, local, wantMin/60, wantMin%60)
				}
				if s.End.Sub(s.Start) != 15*time.Minute {
					t.Errorf("slot %d lasts %s", i, s.End.Sub(s.Start))
				}
			}
		})
	}
}

func TestExpandNightBlockAcrossDST(t *testing.T) {
	t.Parallel()
	// A night shift 22:00–06:00 spans the change: slots follow each other in
	// real time, so none overlaps and none is missing.
	for _, tc := range []struct {
		name  string
		day   Date
		hours int
	}{
		{"ordinary night", Date{2026, 10, 24}, 8},
		{"fall back night", Date{2026, 10, 31}, 9},
		{"spring forward night", Date{2027, 3, 13}, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := WorkingPlan{Blocks: []PlanBlock{{Weekday: tc.day.Weekday(), StartMinute: 22 * 60, EndMinute: 30 * 60, Service: Urgent, SlotMinutes: 30, Audience: Public}}}
			slots := plan.Expand(tc.day, tc.day.AddDays(1), Toronto)
			if len(slots) != tc.hours*2 {
				t.Fatalf("got %d slots, want %d", len(slots), tc.hours*2)
			}
			seen := map[time.Time]bool{}
			for i, s := range slots {
				if seen[s.Start] {
					t.Fatalf("slot %d duplicated at %s", i, s.Start)
				}
				seen[s.Start] = true
				if i > 0 && !s.Start.Equal(slots[i-1].End) {
					t.Fatalf("gap or overlap before slot %d: %s then %s", i, slots[i-1].End, s.Start)
				}
			}
			if last := slots[len(slots)-1].End.In(Toronto); last.Hour() != 6 || last.Minute() != 0 {
				t.Errorf("last slot ends at %s, want 06:00 local", last)
			}
		})
	}
}

func TestExpandExceptions(t *testing.T) {
	t.Parallel()
	day := Date{2026, 12, 7} // a Monday
	plan := WorkingPlan{
		Blocks: []PlanBlock{{Weekday: time.Monday, StartMinute: 9 * 60, EndMinute: 12 * 60, Service: General, SlotMinutes: 30, Audience: Public}},
		Exceptions: []PlanException{
			{Date: day, StartMinute: 10 * 60, EndMinute: 11*60 + 15},
			{Date: day.AddDays(7), AllDay: true},
		},
	}
	slots := plan.Expand(day, day.AddDays(14), Toronto)
	// Day one: 6 slots less 10:00, 10:30 and 11:00 (overlaps 11:15); day two: none.
	if len(slots) != 3 {
		t.Fatalf("got %d slots, want 3: %v", len(slots), slots)
	}
}

// TestExpandExceptionRanges: a stretch of days, taken whole or in the
// afternoon only, and the checks an exception passes.
func TestExpandExceptionRanges(t *testing.T) {
	t.Parallel()
	day := Date{2026, 12, 21} // a Monday
	var blocks []PlanBlock
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		blocks = append(blocks, PlanBlock{Weekday: wd, StartMinute: 9 * 60, EndMinute: 17 * 60, Service: General, SlotMinutes: 60, Audience: Public})
	}
	count := func(ex ...PlanException) int {
		return len(WorkingPlan{Blocks: blocks, Exceptions: ex}.Expand(day, day.AddDays(14), Toronto))
	}
	if got := count(); got != 14*8 {
		t.Fatalf("plan without exception makes %d slots, want %d", got, 14*8)
	}
	leave := PlanException{Date: day.AddDays(3), Until: day.AddDays(9), AllDay: true}
	if got := count(leave); got != 7*8 {
		t.Fatalf("a week of leave leaves %d slots, want %d", got, 7*8)
	}
	afternoons := PlanException{Date: day, Until: day.AddDays(4), StartMinute: 13 * 60, EndMinute: 17 * 60}
	if got := count(afternoons); got != 14*8-5*4 {
		t.Fatalf("five closed afternoons leave %d slots, want %d", got, 14*8-5*4)
	}
	for _, tc := range []struct {
		name  string
		e     PlanException
		field string
	}{
		{"one day", PlanException{Date: day, AllDay: true}, ""},
		{"a window", PlanException{Date: day, StartMinute: 780, EndMinute: 1440}, ""},
		{"no day", PlanException{AllDay: true}, "date"},
		{"ends before it starts", PlanException{Date: day, Until: day.AddDays(-1), AllDay: true}, "until"},
		{"more than a year", PlanException{Date: day, Until: day.AddDays(400), AllDay: true}, "until"},
		{"empty window", PlanException{Date: day, StartMinute: 780, EndMinute: 780}, "end"},
		{"window past midnight", PlanException{Date: day, StartMinute: 780, EndMinute: 1500}, "end"},
	} {
		if got := ErrorField(tc.e.Validate()); got != tc.field {
			t.Errorf("%s: field %q, want %q", tc.name, got, tc.field)
		}
	}
}

func TestPlanValidate(t *testing.T) {
	t.Parallel()
	ok := PlanBlock{Weekday: time.Monday, StartMinute: 540, EndMinute: 600, Service: General, SlotMinutes: 15, Audience: Public}
	for _, tc := range []struct {
		name  string
		edit  func(*PlanBlock)
		field string
	}{
		{"valid", func(*PlanBlock) {}, ""},
		{"service", func(b *PlanBlock) { b.Service = "dentistry" }, "blocks[0].service"},
		{"slot length", func(b *PlanBlock) { b.SlotMinutes = 2 }, "blocks[0].slot_minutes"},
		{"end before start", func(b *PlanBlock) { b.EndMinute = 500 }, "blocks[0].end"},
		{"audience", func(b *PlanBlock) { b.Audience = "vip" }, "blocks[0].audience"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := ok
			tc.edit(&b)
			err := WorkingPlan{Blocks: []PlanBlock{b}}.Validate()
			if got := ErrorField(err); got != tc.field {
				t.Fatalf("field %q, want %q (err %v)", got, tc.field, err)
			}
		})
	}
}

// TestParseClock pins the one rule for times of day that forms and queries
// send: HH:MM or H:MM, from 00:00 to 24:00, nothing around it.
func TestParseClock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"00:00", 0, true},
		{"09:30", 570, true},
		{"9:30", 570, true},
		{"23:59", 1439, true},
		{"24:00", 1440, true},
		{"24:01", 0, false},
		{"25:00", 0, false},
		{"12:60", 0, false},
		{"9:5", 0, false},
		{"123:00", 0, false},
		{"", 0, false},
		{"09:30 ", 0, false},
		{"+9:30", 0, false},
		{"ab:cd", 0, false},
		{"0930", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseClock(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseClock(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
