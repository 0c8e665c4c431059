package rdv

import (
	"math"
	"strings"
)

// Clinic is a place where practitioners see patients (FHIR Location and
// Organization).
type Clinic struct {
	ID        int64
	Name      string
	Address   string
	City      string
	Lat, Lon  float64
	Phone     string
	Services  []Service
	Languages []string // "fr", "en"
	TimeZone  string   // always America/Toronto in the network
}

// Offers reports whether the clinic offers service s.
func (c Clinic) Offers(s Service) bool {
	for _, x := range c.Services {
		if x == s {
			return true
		}
	}
	return false
}

// Validate checks a new clinic before a store adds it, so that every
// store accepts and refuses the same clinics, and normalises it in place:
// its texts trimmed, French when it names no language, the network's time
// zone when it names none. It reports the first invalid field.
func (c *Clinic) Validate() error {
	c.Name, c.Address, c.City, c.Phone = strings.TrimSpace(c.Name), strings.TrimSpace(c.Address), strings.TrimSpace(c.City), strings.TrimSpace(c.Phone)
	if len(c.Languages) == 0 {
		c.Languages = []string{"fr"}
	}
	if c.TimeZone == "" {
		c.TimeZone = Toronto.String()
	}
	for _, f := range []struct{ name, value string }{{"name", c.Name}, {"address", c.Address}, {"city", c.City}, {"phone", c.Phone}} {
		if err := CheckText(f.name, f.value); err != nil {
			return err
		}
	}
	switch {
	case c.ID != 0:
		return FieldError("id", "a new clinic has no ID yet")
	case c.Name == "" || len(c.Name) > 200:
		return FieldError("name", "name missing or too long")
	case c.City == "" || len(c.City) > 100:
		return FieldError("city", "city missing or too long")
	case len(c.Address) > 200 || len(c.Phone) > 40:
		return FieldError("address", "address or phone too long")
	case math.IsNaN(c.Lat) || math.IsNaN(c.Lon) || c.Lat < 44 || c.Lat > 63 || c.Lon < -80 || c.Lon > -57:
		return FieldError("lat", "position %.4f, %.4f is not in Québec", c.Lat, c.Lon)
	case len(c.Services) == 0:
		return FieldError("services", "no service")
	case c.TimeZone != Toronto.String():
		return FieldError("time_zone", "time zone %q", c.TimeZone)
	}
	if err := checkServices(c.Services); err != nil {
		return err
	}
	return checkLanguages(c.Languages)
}

// Practitioner is a person who sees patients at one clinic (FHIR
// PractitionerRole).
type Practitioner struct {
	ID         int64
	ClinicID   int64
	Name       string
	Services   []Service
	Languages  []string
	AcceptsNew bool // takes patients who are not on its roster
}

// Speaks reports whether the practitioner speaks lang.
func (p Practitioner) Speaks(lang string) bool {
	for _, l := range p.Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Validate checks a new practitioner before a store adds it and
// normalises it in place: the name trimmed, French when it names no
// language. It reports the first invalid field.
func (p *Practitioner) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	if len(p.Languages) == 0 {
		p.Languages = []string{"fr"}
	}
	if err := CheckText("name", p.Name); err != nil {
		return err
	}
	switch {
	case p.ID != 0:
		return FieldError("id", "a new practitioner has no ID yet")
	case p.ClinicID <= 0:
		return FieldError("clinic_id", "no clinic")
	case p.Name == "" || len(p.Name) > 200:
		return FieldError("name", "name missing or too long")
	case len(p.Services) == 0:
		return FieldError("services", "no service")
	}
	if err := checkServices(p.Services); err != nil {
		return err
	}
	return checkLanguages(p.Languages)
}

func checkServices(ss []Service) error {
	for _, s := range ss {
		if !s.Valid() {
			return FieldError("services", "unknown service %q", s)
		}
	}
	return nil
}

// checkLanguages refuses a language the network does not serve in.
func checkLanguages(ls []string) error {
	for _, l := range ls {
		if l != "fr" && l != "en" {
			return FieldError("languages", "language %q", l)
		}
	}
	return nil
}
