package api

import (
	"testing"
	"time"

	"rdv"
	"rdv/availability"
)

func TestParseSearch(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 3, 4, 15, 30, 0, 0, rdv.Toronto) // a Monday afternoon
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, rdv.Toronto) }
	tests := []struct {
		name      string
		query     string
		wantField string // "" for success
		check     func(t *testing.T, q availability.Query)
	}{
		{name: "defaults", query: "near=45.5,-73.6&service=general", check: func(t *testing.T, q availability.Query) {
			if q.RadiusKm != 25 || q.Limit != 20 || q.PerClinic != 0 || q.Lat != 45.5 || q.Lon != -73.6 {
				t.Errorf("query %+v", q)
			}
			if !q.From.Equal(now) || !q.To.Equal(day(2030, 4, 30)) {
				t.Errorf("range %v..%v, want now..2030-04-30 local midnight", q.From, q.To)
			}
			if q.IncludeRostered {
				t.Error("search must show public slots only")
			}
		}},
		{name: "escaped comma", query: "near=45.5%2C-73.6&service=general"},
		{name: "full", query: "near=45.5,-73.6&radius_km=40&service=pediatrics&from=2030-03-10&to=2030-03-12&limit=5&per_clinic=2&weekdays=mon,WED,ven&times=morning,17:30-19:00&language=en",
			check: func(t *testing.T, q availability.Query) {
				if q.RadiusKm != 40 || q.Service != rdv.Pediatrics || q.Limit != 5 || q.PerClinic != 2 || q.Language != "en" {
					t.Errorf("query %+v", q)
				}
				if !q.From.Equal(day(2030, 3, 10)) || !q.To.Equal(day(2030, 3, 13)) {
					t.Errorf("range %v..%v", q.From, q.To)
				}
				if want := uint8(1<<time.Monday | 1<<time.Wednesday | 1<<time.Friday); q.Weekdays != want {
					t.Errorf("weekdays %b, want %b", q.Weekdays, want)
				}
				if len(q.Windows) != 2 || q.Windows[0] != (availability.Window{StartMinute: 0, EndMinute: 720}) || q.Windows[1] != (availability.Window{StartMinute: 1050, EndMinute: 1140}) {
					t.Errorf("windows %v", q.Windows)
				}
			}},
		{name: "past from starts now", query: "near=45,-73&service=general&from=2020-01-01", check: func(t *testing.T, q availability.Query) {
			if !q.From.Equal(now) || !q.To.Equal(day(2030, 4, 30)) {
				t.Errorf("range %v..%v", q.From, q.To)
			}
		}},
		{name: "long span is cut", query: "near=45,-73&service=general&from=2030-03-05&to=2031-01-01", check: func(t *testing.T, q availability.Query) {
			if !q.To.Equal(day(2030, 6, 5)) {
				t.Errorf("to %v, want 92 days after from", q.To)
			}
		}},
		{name: "missing service", query: "near=45,-73", wantField: "service"},
		{name: "unknown service", query: "near=45,-73&service=dentist", wantField: "service"},
		{name: "missing point", query: "service=general", wantField: "near"},
		{name: "bad near", query: "near=abc&service=general", wantField: "near"},
		{name: "near out of range", query: "near=95,-73&service=general", wantField: "near"},
		{name: "radius too big", query: "near=45,-73&service=general&radius_km=251", wantField: "radius_km"},
		{name: "radius zero", query: "near=45,-73&service=general&radius_km=0", wantField: "radius_km"},
		{name: "radius NaN", query: "near=45,-73&service=general&radius_km=NaN", wantField: "radius_km"},
		{name: "limit too big", query: "near=45,-73&service=general&limit=101", wantField: "limit"},
		{name: "limit zero", query: "near=45,-73&service=general&limit=0", wantField: "limit"},
		{name: "per_clinic negative", query: "near=45,-73&service=general&per_clinic=-1", wantField: "per_clinic"},
		{name: "bad from", query: "near=45,-73&service=general&from=2030-13-01", wantField: "from"},
		{name: "bad to", query: "near=45,-73&service=general&to=tomorrow", wantField: "to"},
		{name: "to before from", query: "near=45,-73&service=general&from=2030-03-10&to=2030-03-09", wantField: "to"},
		{name: "bad weekday", query: "near=45,-73&service=general&weekdays=mon,funday", wantField: "weekdays"},
		{name: "bad times", query: "near=45,-73&service=general&times=noonish", wantField: "times"},
		{name: "reversed times", query: "near=45,-73&service=general&times=12:00-09:00", wantField: "times"},
		{name: "too many windows", query: "near=45,-73&service=general&times=morning,morning,morning,morning,morning,morning,morning,morning,morning", wantField: "times"},
		{name: "bad language", query: "near=45,-73&service=general&language=de", wantField: "language"},
		{name: "bad escape", query: "near=45,-73&service=general&from=%zz", wantField: "from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p searchParams
			err := parseSearch(&p, tt.query, now)
			if tt.wantField != "" {
				if rdv.ErrorCode(err) != rdv.EINVALID || rdv.ErrorField(err) != tt.wantField {
					t.Fatalf("error %v, want invalid field %s", err, tt.wantField)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if tt.check != nil {
				tt.check(t, p.q)
			}
		})
	}
}

func TestParseSearchAllocatesLittle(t *testing.T) {
	now := time.Date(2030, 3, 4, 15, 30, 0, 0, rdv.Toronto)
	var p searchParams
	query := "near=45.5,-73.6&radius_km=40&service=pediatrics&from=2030-03-10&to=2030-03-12&limit=5&times=morning"
	allocs := testing.AllocsPerRun(100, func() {
		if err := parseSearch(&p, query, now); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Errorf("parseSearch allocates %.0f times per query, want 0", allocs)
	}
}
