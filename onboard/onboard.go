// Package onboard checks what operators and clinic admins add to the
// network (clinics and practitioners) before a store writes it, so that
// every store accepts and refuses the same things.
package onboard

import (
	"math"
	"strings"

	"rdv"
)

// TimeZone is the zone of every clinic of the network.
const TimeZone = "America/Toronto"

// CheckClinic validates a new clinic and fills its defaults (languages,
// time zone).
func CheckClinic(c *rdv.Clinic) error {
	c.Name, c.Address, c.City, c.Phone = strings.TrimSpace(c.Name), strings.TrimSpace(c.Address), strings.TrimSpace(c.City), strings.TrimSpace(c.Phone)
	if len(c.Languages) == 0 {
		c.Languages = []string{"fr"}
	}
	if c.TimeZone == "" {
		c.TimeZone = TimeZone
	}
	for _, f := range []struct{ name, value string }{{"name", c.Name}, {"address", c.Address}, {"city", c.City}, {"phone", c.Phone}} {
		if err := rdv.CheckText(f.name, f.value); err != nil {
			return err
		}
	}
	switch {
	case c.ID != 0:
		return rdv.FieldError("id", "a new clinic has no ID yet")
	case c.Name == "" || len(c.Name) > 200:
		return rdv.FieldError("name", "name missing or too long")
	case c.City == "" || len(c.City) > 100:
		return rdv.FieldError("city", "city missing or too long")
	case len(c.Address) > 200 || len(c.Phone) > 40:
		return rdv.FieldError("address", "address or phone too long")
	case math.IsNaN(c.Lat) || math.IsNaN(c.Lon) || c.Lat < 44 || c.Lat > 63 || c.Lon < -80 || c.Lon > -57:
		return rdv.FieldError("lat", "position %.4f, %.4f is not in Québec", c.Lat, c.Lon)
	case len(c.Services) == 0:
		return rdv.FieldError("services", "no service")
	case c.TimeZone != TimeZone:
		return rdv.FieldError("time_zone", "time zone %q", c.TimeZone)
	}
	for _, s := range c.Services {
		if !s.Valid() {
			return rdv.FieldError("services", "unknown service %q", s)
		}
	}
	return checkLanguages(c.Languages)
}

// CheckPractitioner validates a new practitioner.
func CheckPractitioner(p *rdv.Practitioner) error {
	p.Name = strings.TrimSpace(p.Name)
	if len(p.Languages) == 0 {
		p.Languages = []string{"fr"}
	}
	if err := rdv.CheckText("name", p.Name); err != nil {
		return err
	}
	switch {
	case p.ID != 0:
		return rdv.FieldError("id", "a new practitioner has no ID yet")
	case p.ClinicID <= 0:
		return rdv.FieldError("clinic_id", "no clinic")
	case p.Name == "" || len(p.Name) > 200:
		return rdv.FieldError("name", "name missing or too long")
	case len(p.Services) == 0:
		return rdv.FieldError("services", "no service")
	}
	for _, s := range p.Services {
		if !s.Valid() {
			return rdv.FieldError("services", "unknown service %q", s)
		}
	}
	return checkLanguages(p.Languages)
}

func checkLanguages(ls []string) error {
	for _, l := range ls {
		if l != "fr" && l != "en" {
			return rdv.FieldError("languages", "language %q", l)
		}
	}
	return nil
}
