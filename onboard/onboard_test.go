package onboard

import (
	"math"
	"testing"

	"rdv"
)

func TestCheckClinic(t *testing.T) {
	valid := func() rdv.Clinic {
		return rdv.Clinic{Name: " Clinique du Parc ", City: "Montréal", Lat: 45.52, Lon: -73.60, Services: []rdv.Service{rdv.General}}
	}
	for _, tc := range []struct {
		name  string
		edit  func(*rdv.Clinic)
		field string
	}{
		{"valid", func(*rdv.Clinic) {}, ""},
		{"has an ID", func(c *rdv.Clinic) { c.ID = 3 }, "id"},
		{"no name", func(c *rdv.Clinic) { c.Name = "  " }, "name"},
		{"no city", func(c *rdv.Clinic) { c.City = "" }, "city"},
		{"outside Québec", func(c *rdv.Clinic) { c.Lat, c.Lon = 48.85, 2.35 }, "lat"},
		{"no position", func(c *rdv.Clinic) { c.Lat = math.NaN() }, "lat"},
		{"no service", func(c *rdv.Clinic) { c.Services = nil }, "services"},
		{"unknown service", func(c *rdv.Clinic) { c.Services = []rdv.Service{"dentistry"} }, "services"},
		{"other time zone", func(c *rdv.Clinic) { c.TimeZone = "Europe/Paris" }, "time_zone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.edit(&c)
			err := CheckClinic(&c)
			if got := rdv.ErrorField(err); got != tc.field {
				t.Fatalf("field %q, want %q (%v)", got, tc.field, err)
			}
			if err == nil && (c.Name != "Clinique du Parc" || c.TimeZone != TimeZone || len(c.Languages) != 1 || c.Languages[0] != "fr") {
				t.Fatalf("defaults not filled: %+v", c)
			}
		})
	}
}
