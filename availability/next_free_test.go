package availability

import (
	"testing"
	"time"

	"rdv"
)

func TestNextFree(t *testing.T) {
	t.Parallel()
	n := smallNetwork()
	ix := mustBuild(t, n)
	montreal := Query{Lat: 45.50884, Lon: -73.58781, RadiusKm: 5, Service: rdv.General, Limit: 20}
	day := func(d int) time.Time { return n.start.AddDate(0, 0, d) }
	tests := []struct {
		name   string
		change func(q *Query)
		want   int64 // 0: none
	}{
		// Nothing on Wednesday and Thursday near Montréal: the next is
		// Saturday's, later but in the same disc.
		{"later, same radius", func(q *Query) { q.From, q.To = day(2), day(4) }, 108},
		// Nothing after Saturday anywhere: none.
		{"none anywhere", func(q *Query) { q.From, q.To = day(6), day(7) }, 0},
		// Pediatrics only in Laval, 9 km away: found by widening.
		{"farther", func(q *Query) { q.Service, q.From, q.To = rdv.Pediatrics, day(0), day(1) }, 107},
		// By Québec, whose one slot is on Monday: from Tuesday on, the
		// next is in Montréal, 230 km away.
		{"at the other end", func(q *Query) { q.Lat, q.Lon, q.From, q.To = 46.81228, -71.21454, day(1), day(2) }, 105},
		{"at the other end from Monday", func(q *Query) { q.Lat, q.Lon, q.From, q.To = 46.81228, -71.21454, day(0), day(0) }, 106},
		// Conditions still hold: the afternoons only.
		{"afternoon", func(q *Query) {
			q.From, q.To = day(0), day(1)
			q.Windows = []Window{{StartMinute: 12 * 60, EndMinute: 17 * 60}}
		}, 105},
		// From a point far from everything, the nearest place with a slot
		// wins over an earlier one farther away.
		{"nearest first", func(q *Query) { q.Lat, q.Lon, q.From = 46.0, -73.0, day(0) }, 101},
		{"bad radius", func(q *Query) { q.RadiusKm = -1; q.From = day(0) }, 0},
		{"unknown service", func(q *Query) { q.Service = "x"; q.From = day(0) }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := montreal
			tt.change(&q)
			if tt.want != 0 {
				if got := ix.Search(q, nil); len(got) != 0 && q.To.After(q.From) {
					t.Fatalf("the search itself found %v: not a case for NextFree", ids(got))
				}
			}
			r, ok := ix.NextFree(q)
			if tt.want == 0 {
				if ok {
					t.Fatalf("NextFree = slot %d, want none", r.SlotID)
				}
				return
			}
			if !ok || r.SlotID != tt.want {
				t.Fatalf("NextFree = %d, %v; want %d", r.SlotID, ok, tt.want)
			}
			if r.DistanceKm < 0 || r.Start.Before(q.From) {
				t.Errorf("result %+v", r)
			}
		})
	}
}

func TestNextFreeAllocatesNothing(t *testing.T) {
	n := smallNetwork()
	ix := mustBuild(t, n)
	q := Query{Lat: 45.50884, Lon: -73.58781, RadiusKm: 5, Service: rdv.Pediatrics, From: n.start}
	allocs := testing.AllocsPerRun(100, func() {
		if _, ok := ix.NextFree(q); !ok {
			t.Fatal("nothing found")
		}
	})
	if allocs != 0 && !raceEnabled {
		t.Errorf("NextFree allocates %v times", allocs)
	}
}
