package rdv

import "time"

// Service is what an appointment is for. The codes are part of the API.
type Service string

// The services of the network.
const (
	General     Service = "general"
	Pediatrics  Service = "pediatrics"
	Urgent      Service = "urgent" // same-day (sans rendez-vous)
	FollowUp    Service = "followup"
	Prenatal    Service = "prenatal"
	Vaccination Service = "vaccination"
	BloodTest   Service = "bloodtest"
)

// Services lists every service in a stable order; a service's position is
// its ServiceIndex.
var Services = []Service{General, Pediatrics, Urgent, FollowUp, Prenatal, Vaccination, BloodTest}

// ServiceInfo describes a service for people and for schedule defaults.
type ServiceInfo struct {
	NameFR, NameEN  string
	DefaultDuration time.Duration
}

var serviceInfo = map[Service]ServiceInfo{
	General:     {"Consultation générale", "General consultation", 15 * time.Minute},
	Pediatrics:  {"Pédiatrie", "Pediatrics", 20 * time.Minute},
	Urgent:      {"Consultation le jour même", "Same-day visit", 15 * time.Minute},
	FollowUp:    {"Suivi", "Follow-up", 15 * time.Minute},
	Prenatal:    {"Suivi de grossesse", "Prenatal care", 30 * time.Minute},
	Vaccination: {"Vaccination", "Vaccination", 10 * time.Minute},
	BloodTest:   {"Prélèvement sanguin", "Blood test", 10 * time.Minute},
}

// Valid reports whether s is one of the network's services.
func (s Service) Valid() bool { _, ok := serviceInfo[s]; return ok }

// Info returns the names and default duration of s.
func (s Service) Info() ServiceInfo { return serviceInfo[s] }

// Name returns the service's name in lang ("fr" or "en").
func (s Service) Name(lang string) string {
	if lang == "en" {
		return serviceInfo[s].NameEN
	}
	return serviceInfo[s].NameFR
}

// ServiceIndex returns the position of s in Services, or -1.
func ServiceIndex(s Service) int {
	for i, x := range Services {
		if x == s {
			return i
		}
	}
	return -1
}

// ParseService validates a service code from input.
func ParseService(code string) (Service, error) {
	s := Service(code)
	if !s.Valid() {
		return "", FieldError("service", "unknown service %q", code)
	}
	return s, nil
}
