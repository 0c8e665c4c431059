package rdv

import (
	"math"
	"testing"
)

func TestClinicValidate(t *testing.T) {
	t.Parallel()
	valid := func() Clinic {
		return Clinic{Name: " Clinique du Parc ", City: "Montréal", Lat: 45.52, Lon: -73.60, Services: []Service{General}}
	}
	for _, tc := range []struct {
		name  string
		edit  func(*Clinic)
		field string
	}{
		{"valid", func(*Clinic) {}, ""},
		{"has an ID", func(c *Clinic) { c.ID = 3 }, "id"},
		{"no name", func(c *Clinic) { c.Name = "  " }, "name"},
		{"no city", func(c *Clinic) { c.City = "" }, "city"},
		{"control character in the address", func(c *Clinic) { c.Address = "1 rue\x00" }, "address"},
		{"phone too long", func(c *Clinic) { c.Phone = "514 555 0199 514 555 0199 514 555 0199 514" }, "address"},
		{"outside Québec", func(c *Clinic) { c.Lat, c.Lon = 48.85, 2.35 }, "lat"},
		{"no position", func(c *Clinic) { c.Lat = math.NaN() }, "lat"},
		{"no service", func(c *Clinic) { c.Services = nil }, "services"},
		{"unknown service", func(c *Clinic) { c.Services = []Service{"dentistry"} }, "services"},
		{"other time zone", func(c *Clinic) { c.TimeZone = "Europe/Paris" }, "time_zone"},
		{"the network's time zone", func(c *Clinic) { c.TimeZone = "America/Toronto" }, ""},
		{"unknown language", func(c *Clinic) { c.Languages = []string{"fr", "de"} }, "languages"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.edit(&c)
			err := c.Validate()
			if got := ErrorField(err); got != tc.field {
				t.Fatalf("field %q, want %q (%v)", got, tc.field, err)
			}
			if err != nil && ErrorCode(err) != EINVALID {
				t.Fatalf("code %q, want %q", ErrorCode(err), EINVALID)
			}
			if err == nil && (c.Name != "Clinique du Parc" || c.TimeZone != "America/Toronto" || len(c.Languages) != 1 || c.Languages[0] != "fr") {
				t.Fatalf("defaults not filled: %+v", c)
			}
		})
	}
}

func TestPractitionerValidate(t *testing.T) {
	t.Parallel()
	valid := func() Practitioner {
		return Practitioner{ClinicID: 7, Name: " Dre Roy ", Services: []Service{General, Pediatrics}}
	}
	for _, tc := range []struct {
		name  string
		edit  func(*Practitioner)
		field string
	}{
		{"valid", func(*Practitioner) {}, ""},
		{"has an ID", func(p *Practitioner) { p.ID = 3 }, "id"},
		{"no clinic", func(p *Practitioner) { p.ClinicID = 0 }, "clinic_id"},
		{"no name", func(p *Practitioner) { p.Name = " " }, "name"},
		{"bidirectional control in the name", func(p *Practitioner) { p.Name = "Dre \u202eRoy" }, "name"},
		{"no service", func(p *Practitioner) { p.Services = nil }, "services"},
		{"unknown service", func(p *Practitioner) { p.Services = []Service{"dentistry"} }, "services"},
		{"unknown language", func(p *Practitioner) { p.Languages = []string{"es"} }, "languages"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := valid()
			tc.edit(&p)
			err := p.Validate()
			if got := ErrorField(err); got != tc.field {
				t.Fatalf("field %q, want %q (%v)", got, tc.field, err)
			}
			if err == nil && (p.Name != "Dre Roy" || len(p.Languages) != 1 || p.Languages[0] != "fr") {
				t.Fatalf("defaults not filled: %+v", p)
			}
		})
	}
}
