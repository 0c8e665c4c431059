package availability

import (
	"slices"
	"testing"
	"time"

	"rdv"
)

func TestClinicSlots(t *testing.T) {
	t.Parallel()
	n := smallNetwork()
	ix := mustBuild(t, n)
	ids := func(rs []Result) []int64 {
		var out []int64
		for _, r := range rs {
			out = append(out, r.SlotID)
		}
		return out
	}
	tests := []struct {
		name     string
		clinic   int64
		svc      rdv.Service
		from, to time.Time
		rostered bool
		want     []int64
	}{
		{"every service in start order", 20, "", time.Time{}, time.Time{}, false, []int64{102, 107}},
		{"one service", 20, rdv.Pediatrics, time.Time{}, time.Time{}, false, []int64{107}},
		{"ties by slot ID, rostered left out", 10, rdv.General, time.Time{}, time.Time{}, false, []int64{101, 109, 103, 105, 108}},
		{"rostered when asked", 10, rdv.General, time.Time{}, n.start.AddDate(0, 0, 1), true, []int64{101, 109, 103, 104}},
		{"from is inclusive, to exclusive", 10, "", n.start.Add(9*time.Hour + 15*time.Minute), n.start.AddDate(0, 0, 5).Add(9 * time.Hour), false, []int64{103, 105}},
		{"unknown clinic", 99, "", time.Time{}, time.Time{}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ix.ClinicSlots(tt.clinic, tt.svc, tt.from, tt.to, tt.rostered, nil)
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("slots %v, want %v", ids(got), tt.want)
			}
			for _, r := range got {
				if r.ClinicID != tt.clinic || r.PractitionerID == 0 || !r.End.After(r.Start) {
					t.Errorf("result %+v lacks its clinic, practitioner or length", r)
				}
			}
		})
	}
}

func TestChangesCountEveryChange(t *testing.T) {
	t.Parallel()
	n := smallNetwork()
	ix := mustBuild(t, n)
	s := n.slots[0]
	steps := []struct {
		name    string
		do      func()
		changed bool
	}{
		{"remove", func() { ix.Remove(s) }, true},
		{"remove an absent slot", func() { ix.Remove(s) }, false},
		{"add", func() { ix.Add(s) }, true},
		{"prune nothing", func() { ix.PruneBefore(n.start) }, false},
		{"prune", func() { ix.PruneBefore(n.start.AddDate(0, 0, 1)) }, true},
		{"a new clinic", func() { ix.AddClinic(rdv.Clinic{ID: 40, Lat: 45, Lon: -73}, nil) }, true},
	}
	for _, st := range steps {
		before := ix.Changes()
		st.do()
		if got := ix.Changes() != before; got != st.changed {
			t.Errorf("%s: changed %v, want %v", st.name, got, st.changed)
		}
	}
}
