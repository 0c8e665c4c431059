package fhir

import (
	"time"

	"rdv"
)

// The R4 datatypes and resources rdv emits, each with only the elements it
// fills: empty ones are left out (omitempty), as FHIR JSON wants no
// nulls and no empty arrays.

// Reference points at another resource ("Location/12").
type Reference struct {
	Reference  string      `json:"reference,omitempty"`
	Identifier *Identifier `json:"identifier,omitempty"`
	Display    string      `json:"display,omitempty"`
}

// Coding is one code of a code system.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is a concept given in one or more codings.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Identifier is a business identifier.
type Identifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

// ContactPoint is a phone number, an email or a URL.
type ContactPoint struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
	Use    string `json:"use,omitempty"`
}

// Address is a postal address.
type Address struct {
	Line    []string `json:"line,omitempty"`
	City    string   `json:"city,omitempty"`
	State   string   `json:"state,omitempty"`
	Country string   `json:"country,omitempty"`
}

// HumanName is a person's name.
type HumanName struct {
	Text   string   `json:"text,omitempty"`
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
}

// Extension carries what R4 has no element for.
type Extension struct {
	URL         string `json:"url"`
	ValueURL    string `json:"valueUrl,omitempty"`
	ValueString string `json:"valueString,omitempty"`
	ValueCode   string `json:"valueCode,omitempty"`
}

// Meta is a resource's metadata.
type Meta struct {
	LastUpdated string `json:"lastUpdated,omitempty"`
}

// Position is a point on the WGS84 datum.
type Position struct {
	Longitude float64 `json:"longitude"`
	Latitude  float64 `json:"latitude"`
}

// Communication is a language a practitioner speaks.
type Communication = CodeableConcept

// Location is a clinic as a place.
type Location struct {
	ResourceType         string            `json:"resourceType"`
	ID                   string            `json:"id"`
	Language             string            `json:"language,omitempty"`
	Identifier           []Identifier      `json:"identifier,omitempty"`
	Status               string            `json:"status,omitempty"`
	Name                 string            `json:"name,omitempty"`
	Mode                 string            `json:"mode,omitempty"`
	Telecom              []ContactPoint    `json:"telecom,omitempty"`
	Address              *Address          `json:"address,omitempty"`
	Position             *Position         `json:"position,omitempty"`
	ManagingOrganization *Reference        `json:"managingOrganization,omitempty"`
	Extension            []Extension       `json:"extension,omitempty"`
	Type                 []CodeableConcept `json:"type,omitempty"`
}

// Organization is a clinic as the body that runs it.
type Organization struct {
	ResourceType string         `json:"resourceType"`
	ID           string         `json:"id"`
	Language     string         `json:"language,omitempty"`
	Identifier   []Identifier   `json:"identifier,omitempty"`
	Active       bool           `json:"active"`
	Name         string         `json:"name,omitempty"`
	Telecom      []ContactPoint `json:"telecom,omitempty"`
	Address      []Address      `json:"address,omitempty"`
}

// Practitioner is a person who sees patients.
type Practitioner struct {
	ResourceType  string            `json:"resourceType"`
	ID            string            `json:"id"`
	Language      string            `json:"language,omitempty"`
	Active        bool              `json:"active"`
	Name          []HumanName       `json:"name,omitempty"`
	Communication []CodeableConcept `json:"communication,omitempty"`
}

// PractitionerRole is a practitioner's work at a clinic.
type PractitionerRole struct {
	ResourceType      string            `json:"resourceType"`
	ID                string            `json:"id"`
	Language          string            `json:"language,omitempty"`
	Active            bool              `json:"active"`
	Practitioner      *Reference        `json:"practitioner,omitempty"`
	Organization      *Reference        `json:"organization,omitempty"`
	Location          []Reference       `json:"location,omitempty"`
	HealthcareService []Reference       `json:"healthcareService,omitempty"`
	Specialty         []CodeableConcept `json:"specialty,omitempty"`
	Telecom           []ContactPoint    `json:"telecom,omitempty"`
	Extension         []Extension       `json:"extension,omitempty"`
}

// HealthcareService is a service offered at a clinic.
type HealthcareService struct {
	ResourceType        string            `json:"resourceType"`
	ID                  string            `json:"id"`
	Language            string            `json:"language,omitempty"`
	Active              bool              `json:"active"`
	ProvidedBy          *Reference        `json:"providedBy,omitempty"`
	Type                []CodeableConcept `json:"type,omitempty"`
	Location            []Reference       `json:"location,omitempty"`
	Name                string            `json:"name,omitempty"`
	Telecom             []ContactPoint    `json:"telecom,omitempty"`
	Communication       []CodeableConcept `json:"communication,omitempty"`
	AppointmentRequired bool              `json:"appointmentRequired"`
}

// Schedule is a practitioner's availability for one service at a clinic.
type Schedule struct {
	ResourceType string            `json:"resourceType"`
	ID           string            `json:"id"`
	Language     string            `json:"language,omitempty"`
	Active       bool              `json:"active"`
	ServiceType  []CodeableConcept `json:"serviceType,omitempty"`
	Actor        []Reference       `json:"actor"`
	Comment      string            `json:"comment,omitempty"`
}

// Slot is a bookable stretch of time.
type Slot struct {
	ResourceType string            `json:"resourceType"`
	ID           string            `json:"id"`
	Language     string            `json:"language,omitempty"`
	Extension    []Extension       `json:"extension,omitempty"`
	ServiceType  []CodeableConcept `json:"serviceType,omitempty"`
	Schedule     Reference         `json:"schedule"`
	Status       string            `json:"status"`
	Start        string            `json:"start"`
	End          string            `json:"end"`
}

// Appointment is a booking, proposed, held or made.
type Appointment struct {
	ResourceType string            `json:"resourceType"`
	ID           string            `json:"id,omitempty"`
	Language     string            `json:"language,omitempty"`
	Meta         *Meta             `json:"meta,omitempty"`
	Extension    []Extension       `json:"extension,omitempty"`
	Identifier   []Identifier      `json:"identifier,omitempty"`
	Status       string            `json:"status"`
	ServiceType  []CodeableConcept `json:"serviceType,omitempty"`
	Description  string            `json:"description,omitempty"`
	Start        string            `json:"start,omitempty"`
	End          string            `json:"end,omitempty"`
	MinutesDur   int               `json:"minutesDuration,omitempty"`
	Slot         []Reference       `json:"slot,omitempty"`
	Created      string            `json:"created,omitempty"`
	Participant  []Participant     `json:"participant"`
}

// Participant is one party to an appointment.
type Participant struct {
	Actor    *Reference `json:"actor,omitempty"`
	Required string     `json:"required,omitempty"`
	Status   string     `json:"status"`
}

// instant writes t as a FHIR instant in the clinics' time zone, with its
// offset: a clinic's 09:00 reads 09:00 wherever the client is.
func instant(t time.Time) string { return t.In(rdv.Toronto).Format(time.RFC3339) }
