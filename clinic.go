package rdv

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
