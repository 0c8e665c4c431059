package availability

import (
	"errors"
	"slices"
	"testing"
	"time"
	"unsafe"

	"rdv"
)

// smallNetwork has three clinics: one in Montréal, one in Laval (about
// 12 km away) and one in Québec (about 230 km away), a few practitioners
// and slots chosen to exercise each filter.
func smallNetwork() *network {
	n := &network{start: time.Date(2026, time.June, 1, 0, 0, 0, 0, rdv.Toronto)} // a Monday
	n.clinics = []rdv.Clinic{
		{ID: 10, Name: "Montréal", Lat: 45.50884, Lon: -73.58781, Services: []rdv.Service{rdv.General, rdv.Pediatrics}},
		{ID: 20, Name: "Laval", Lat: 45.56995, Lon: -73.692, Services: []rdv.Service{rdv.General, rdv.Pediatrics}},
		{ID: 30, Name: "Québec", Lat: 46.81228, Lon: -71.21454, Services: []rdv.Service{rdv.General}},
	}
	n.practitioners = []rdv.Practitioner{
		{ID: 1, ClinicID: 10, Languages: []string{"fr"}},
		{ID: 2, ClinicID: 10, Languages: []string{"fr", "en"}},
		{ID: 3, ClinicID: 20, Languages: []string{"en"}},
		{ID: 4, ClinicID: 30, Languages: []string{"fr"}},
	}
	at := func(day, hour, minute int) time.Time {
		return time.Date(2026, time.June, 1+day, hour, minute, 0, 0, rdv.Toronto).UTC()
	}
	slot := func(id, clinic, pract int64, svc rdv.Service, start time.Time, aud rdv.Audience) rdv.Slot {
		return rdv.Slot{ID: id, ClinicID: clinic, PractitionerID: pract, Service: svc,
			Start: start, End: start.Add(15 * time.Minute), Audience: aud, State: rdv.SlotFree}
	}
	n.slots = []rdv.Slot{
		slot(101, 10, 1, rdv.General, at(0, 9, 0), rdv.Public),      // Mon 09:00 Montréal fr
		slot(102, 20, 3, rdv.General, at(0, 9, 0), rdv.Public),      // Mon 09:00 Laval en: same start, farther
		slot(103, 10, 2, rdv.General, at(0, 9, 15), rdv.Public),     // Mon 09:15 Montréal fr+en
		slot(104, 10, 1, rdv.General, at(0, 9, 30), rdv.Rostered),   // Mon 09:30 Montréal rostered
		slot(105, 10, 1, rdv.General, at(1, 14, 0), rdv.Public),     // Tue 14:00 Montréal
		slot(106, 30, 4, rdv.General, at(0, 8, 0), rdv.Public),      // Mon 08:00 Québec
		slot(107, 20, 3, rdv.Pediatrics, at(2, 10, 0), rdv.Public),  // Wed 10:00 Laval pediatrics
		slot(108, 10, 1, rdv.General, at(5, 9, 0), rdv.Public),      // Sat 09:00 Montréal
		slot(109, 10, 2, rdv.General, at(0, 9, 0), rdv.Public),      // Mon 09:00 Montréal: ties 101 on start and distance
		slot(110, 99, 1, rdv.General, at(0, 7, 0), rdv.Public),      // unknown clinic: ignored
		slot(111, 10, 99, rdv.General, at(0, 7, 0), rdv.Public),     // unknown practitioner: ignored
		slot(112, 10, 1, rdv.Service("x"), at(0, 7, 0), rdv.Public), // unknown service: ignored
	}
	return n
}

func TestSearchFilters(t *testing.T) {
	t.Parallel()
	n := smallNetwork()
	ix := mustBuild(t, n)
	week := Query{
		Lat: 45.50884, Lon: -73.58781, RadiusKm: 25, Service: rdv.General,
		From: n.start, To: n.start.AddDate(0, 0, 7), Limit: 20,
	}
	tests := []struct {
		name string
		edit func(q *Query)
		want []int64
	}{
		{"near Montréal, by start then distance then id", nil, []int64{101, 109, 102, 103, 105, 108}},
		{"whole province", func(q *Query) { q.RadiusKm = 1000 }, []int64{106, 101, 109, 102, 103, 105, 108}},
		{"radius excludes Laval", func(q *Query) { q.RadiusKm = 5 }, []int64{101, 109, 103, 105, 108}},
		{"zero radius at the clinic", func(q *Query) { q.RadiusKm = 0 }, []int64{101, 109, 103, 105, 108}},
		{"negative radius", func(q *Query) { q.RadiusKm = -1 }, nil},
		{"limit", func(q *Query) { q.Limit = 2 }, []int64{101, 109}},
		{"limit zero", func(q *Query) { q.Limit = 0 }, nil},
		{"one per clinic", func(q *Query) { q.PerClinic = 1 }, []int64{101, 102}},
		{"two per clinic", func(q *Query) { q.PerClinic = 2 }, []int64{101, 109, 102}},
		{"rostered included", func(q *Query) { q.IncludeRostered = true }, []int64{101, 109, 102, 103, 104, 105, 108}},
		{"from is inclusive", func(q *Query) { q.From = n.slots[2].Start }, []int64{103, 105, 108}},
		{"to is exclusive", func(q *Query) { q.To = n.slots[2].Start }, []int64{101, 109, 102}},
		{"empty range", func(q *Query) { q.To = q.From }, nil},
		{"zero from means the beginning", func(q *Query) { q.From = time.Time{} }, []int64{101, 109, 102, 103, 105, 108}},
		{"Tuesday and Saturday", func(q *Query) { q.Weekdays = 1<<time.Tuesday | 1<<time.Saturday }, []int64{105, 108}},
		{"Sunday", func(q *Query) { q.Weekdays = 1 << time.Sunday }, nil},
		{"morning window", func(q *Query) { q.Windows = []Window{{StartMinute: 9 * 60, EndMinute: 9*60 + 15}} }, []int64{101, 109, 102, 108}},
		{"two windows", func(q *Query) {
			q.Windows = []Window{{StartMinute: 9*60 + 15, EndMinute: 9*60 + 16}, {StartMinute: 14 * 60, EndMinute: 15 * 60}}
		}, []int64{103, 105}},
		{"empty window", func(q *Query) { q.Windows = []Window{{StartMinute: 600, EndMinute: 600}} }, nil},
		{"English", func(q *Query) { q.Language = "en" }, []int64{109, 102, 103}},
		{"French", func(q *Query) { q.Language = "fr" }, []int64{101, 109, 103, 105, 108}},
		{"a language nobody speaks", func(q *Query) { q.Language = "de" }, nil},
		{"pediatrics", func(q *Query) { q.Service = rdv.Pediatrics }, []int64{107}},
		{"unknown service", func(q *Query) { q.Service = "x" }, nil},
		{"service nobody offers", func(q *Query) { q.Service = rdv.Prenatal }, nil},
		{"all filters", func(q *Query) {
			q.Language, q.Weekdays, q.Windows, q.PerClinic = "en", 1<<time.Monday, []Window{{StartMinute: 9 * 60, EndMinute: 10 * 60}}, 1
		}, []int64{109, 102}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := week
			if tt.edit != nil {
				tt.edit(&q)
			}
			got := ids(ix.Search(q, nil))
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Search = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSearchResultFields(t *testing.T) {
	t.Parallel()
	n := smallNetwork()
	ix := mustBuild(t, n)
	q := Query{Lat: 45.50884, Lon: -73.58781, RadiusKm: 25, Service: rdv.General,
		From: n.start, To: n.start.AddDate(0, 0, 1), Limit: 3}
	prefix := []Result{{SlotID: -1}}
	got := ix.Search(q, prefix)
	if len(got) != 4 || got[0].SlotID != -1 {
		t.Fatalf("Search did not append to dst: %+v", got)
	}
	want := n.slots[1] // Laval, third
	r := got[3]
	if r.SlotID != want.ID || !r.Start.Equal(want.Start) || !r.End.Equal(want.End) ||
		r.Service != rdv.General || r.ClinicID != 20 || r.PractitionerID != 3 {
		t.Fatalf("result %+v does not describe slot %+v", r, want)
	}
	if r.Start.Location() != time.UTC {
		t.Errorf("start in %v, want UTC", r.Start.Location())
	}
	if d := haversineKm(45.50884, -73.58781, 45.56995, -73.692); abs(r.DistanceKm-d) > 1e-9 {
		t.Errorf("distance %v km, want %v", r.DistanceKm, d)
	}
	if got[1].DistanceKm != 0 {
		t.Errorf("distance to the clinic at the query point is %v", got[1].DistanceKm)
	}
}

// TestSearchDST checks that a 09:00 slot matches the 09:00 window on both
// sides of the spring and autumn changes.
func TestSearchDST(t *testing.T) {
	t.Parallel()
	days := []time.Time{
		time.Date(2026, time.March, 6, 9, 0, 0, 0, rdv.Toronto),    // Friday before the spring change (EST)
		time.Date(2026, time.March, 9, 9, 0, 0, 0, rdv.Toronto),    // Monday after (EDT)
		time.Date(2026, time.October, 30, 9, 0, 0, 0, rdv.Toronto), // Friday before the autumn change (EDT)
		time.Date(2026, time.November, 2, 9, 0, 0, 0, rdv.Toronto), // Monday after (EST)
	}
	n := smallNetwork()
	n.slots = nil
	for i, d := range days {
		n.slots = append(n.slots, rdv.Slot{ID: int64(i + 1), ClinicID: 10, PractitionerID: 1, Service: rdv.General,
			Start: d.UTC(), End: d.Add(15 * time.Minute).UTC(), Audience: rdv.Public})
	}
	ix := mustBuild(t, n)
	q := Query{Lat: 45.5, Lon: -73.6, RadiusKm: 25, Service: rdv.General,
		From: days[0].AddDate(0, 0, -1), To: days[3].AddDate(0, 0, 1), Limit: 10}
	tests := []struct {
		name     string
		windows  []Window
		weekdays uint8
		want     []int64
	}{
		{"09:00 window", []Window{{StartMinute: 9 * 60, EndMinute: 9*60 + 1}}, 0, []int64{1, 2, 3, 4}},
		{"08:00 window", []Window{{StartMinute: 8 * 60, EndMinute: 9 * 60}}, 0, nil},
		{"10:00 window", []Window{{StartMinute: 10 * 60, EndMinute: 11 * 60}}, 0, nil},
		{"Mondays", nil, 1 << time.Monday, []int64{2, 4}},
		{"Fridays at nine", []Window{{StartMinute: 9 * 60, EndMinute: 10 * 60}}, 1 << time.Friday, []int64{1, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := q
			q.Windows, q.Weekdays = tt.windows, tt.weekdays
			if got := ids(ix.Search(q, nil)); !slices.Equal(got, tt.want) {
				t.Fatalf("Search = %v, want %v", got, tt.want)
			}
		})
	}
	// Added one by one rather than built, the slots match the same way.
	ix2 := mustBuild(t, &network{clinics: n.clinics, practitioners: n.practitioners})
	for _, s := range n.slots {
		ix2.Add(s)
	}
	q.Windows = []Window{{StartMinute: 9 * 60, EndMinute: 9*60 + 1}}
	if got := ids(ix2.Search(q, nil)); len(got) != 4 {
		t.Fatalf("after Add, 09:00 window finds %v", got)
	}
}

func TestAddRemoveApplyPrune(t *testing.T) {
	t.Parallel()
	n := smallNetwork()
	ix := mustBuild(t, n)
	const indexed = 9 // the three slots of unknown clinic, practitioner or service are left out
	if ix.Len() != indexed {
		t.Fatalf("Len = %d after build, want %d", ix.Len(), indexed)
	}
	q := Query{Lat: 45.50884, Lon: -73.58781, RadiusKm: 1000, Service: rdv.General,
		From: n.start, To: n.start.AddDate(0, 0, 7), Limit: 20, IncludeRostered: true}
	before := ids(ix.Search(q, nil))

	s := n.slots[0]
	ix.Remove(s)
	ix.Remove(s)
	if ix.Len() != indexed-1 || slices.Contains(ids(ix.Search(q, nil)), s.ID) {
		t.Fatalf("after removing %d twice: Len %d, search %v", s.ID, ix.Len(), ids(ix.Search(q, nil)))
	}
	ix.Add(s)
	ix.Add(s)
	if ix.Len() != indexed || !slices.Equal(ids(ix.Search(q, nil)), before) {
		t.Fatalf("after adding %d twice: Len %d, search %v, want %v", s.ID, ix.Len(), ids(ix.Search(q, nil)), before)
	}
	ix.Add(n.slots[9]) // unknown clinic
	ix.Add(n.slots[10])
	ix.Add(n.slots[11])
	ix.Remove(n.slots[9])
	if ix.Len() != indexed {
		t.Fatalf("slots of unknown clinic, practitioner or service changed Len to %d", ix.Len())
	}

	// A slot both taken and freed in one change (say, held then released
	// in one batch) ends up bookable.
	ix.Apply(rdv.SlotChanges{Taken: []rdv.Slot{n.slots[1], n.slots[2]}, Freed: []rdv.Slot{n.slots[2]}})
	got := ids(ix.Search(q, nil))
	if slices.Contains(got, 102) || !slices.Contains(got, 103) || ix.Len() != indexed-1 {
		t.Fatalf("after Apply: %v, Len %d", got, ix.Len())
	}
	ix.Apply(rdv.SlotChanges{Freed: []rdv.Slot{n.slots[1]}})

	// A slot whose audience changed is refreshed by Add.
	pub := n.slots[3]
	pub.Audience = rdv.Public
	ix.Add(pub)
	q.IncludeRostered = false
	if !slices.Contains(ids(ix.Search(q, nil)), pub.ID) || ix.Len() != indexed {
		t.Fatalf("slot %d made public is not found", pub.ID)
	}

	ix.PruneBefore(n.slots[2].Start) // drops everything before Monday 09:15
	q.From = time.Time{}
	got = ids(ix.Search(q, nil))
	if want := []int64{103, 104, 105, 108}; !slices.Equal(got, want) || ix.Len() != 5 { // and 107, pediatrics
		t.Fatalf("after prune: %v (Len %d), want %v", got, ix.Len(), want)
	}
	ix.PruneBefore(n.slots[2].Start) // nothing left to prune
	if ix.Len() != 5 {
		t.Fatalf("second prune changed Len to %d", ix.Len())
	}
}

func TestBuild(t *testing.T) {
	t.Parallel()
	n := smallNetwork()
	t.Run("scan error is wrapped", func(t *testing.T) {
		boom := errors.New("disk on fire")
		_, err := Build(n.clinics, n.practitioners, func(fn func(rdv.Slot) error) error { return boom })
		if !errors.Is(err, boom) {
			t.Fatalf("Build error %v does not wrap the scan's", err)
		}
	})
	t.Run("duplicate clinic", func(t *testing.T) {
		_, err := Build(append(n.clinics, n.clinics[0]), n.practitioners, n.scan)
		if rdv.ErrorCode(err) != rdv.EINVALID {
			t.Fatalf("Build with a clinic twice: %v", err)
		}
	})
	t.Run("duplicate practitioner", func(t *testing.T) {
		_, err := Build(n.clinics, append(n.practitioners, n.practitioners[0]), n.scan)
		if rdv.ErrorCode(err) != rdv.EINVALID {
			t.Fatalf("Build with a practitioner twice: %v", err)
		}
	})
	t.Run("a slot scanned twice is indexed once", func(t *testing.T) {
		twice := *n
		twice.slots = append(slices.Clone(n.slots), n.slots...)
		if ix := mustBuild(t, &twice); ix.Len() != 9 {
			t.Fatalf("Len = %d, want 9", ix.Len())
		}
	})
	t.Run("network lookups", func(t *testing.T) {
		ix := mustBuild(t, n)
		if c, ok := ix.Clinic(20); !ok || c.Name != "Laval" {
			t.Errorf("Clinic(20) = %+v, %v", c, ok)
		}
		if _, ok := ix.Clinic(99); ok {
			t.Error("Clinic(99) found")
		}
		if p, ok := ix.Practitioner(3); !ok || p.ClinicID != 20 {
			t.Errorf("Practitioner(3) = %+v, %v", p, ok)
		}
		if _, ok := ix.Practitioner(99); ok {
			t.Error("Practitioner(99) found")
		}
		cs := ix.Clinics()
		if len(cs) != 3 || !slices.IsSortedFunc(cs, func(a, b rdv.Clinic) int { return cmpInt64(a.ID, b.ID) }) {
			t.Errorf("Clinics() = %+v", cs)
		}
		cs[0].Name = "changed"
		if c, _ := ix.Clinic(10); c.Name != "Montréal" {
			t.Error("Clinics() returned the index's own slice")
		}
		if ps := ix.Practitioners(); len(ps) != 4 {
			t.Errorf("Practitioners() has %d", len(ps))
		}
	})
}

func TestEntryIsSmall(t *testing.T) {
	t.Parallel()
	if size := unsafe.Sizeof(entry{}); size > 32 {
		t.Fatalf("entry is %d bytes, want at most 32", size)
	}
}

func ids(rs []Result) []int64 {
	var out []int64
	for _, r := range rs {
		out = append(out, r.SlotID)
	}
	return out
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
