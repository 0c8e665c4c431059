package fhir

import (
	"encoding/json"
	"strings"

	"rdv"
	"rdv/booking"
)

// patientResource is the Patient $book takes: who the appointment is
// for, and in contact the parent or guardian who books for a child.
type patientResource struct {
	ResourceType  string         `json:"resourceType"`
	Identifier    []Identifier   `json:"identifier"`
	Name          []HumanName    `json:"name"`
	BirthDate     string         `json:"birthDate"`
	Telecom       []ContactPoint `json:"telecom"`
	Communication []struct {
		Language CodeableConcept `json:"language"`
	} `json:"communication"`
	Contact []struct {
		Relationship []CodeableConcept `json:"relationship"`
		Name         *HumanName        `json:"name"`
		Telecom      []ContactPoint    `json:"telecom"`
	} `json:"contact"`
}

// relationships reads a contact's relationship: rdv's words, or HL7's
// role codes for a parent (PRN, MTH, FTH) and a guardian (GUARD).
var relationships = map[string]rdv.Relationship{
	"parent": rdv.Parent, "legal_guardian": rdv.LegalGuardian, "other": rdv.OtherRelation,
	"PRN": rdv.Parent, "MTH": rdv.Parent, "FTH": rdv.Parent, "GUARD": rdv.LegalGuardian,
}

// confirmInput reads a Patient into the booking's people. It only maps
// elements to fields: the booking engine validates them, as it does the
// pages' and the JSON API's, and its field errors name the elements
// (outcome.go).
func confirmInput(raw json.RawMessage) (booking.ConfirmInput, error) {
	var p patientResource
	if err := json.Unmarshal(raw, &p); err != nil || p.ResourceType != "Patient" {
		return booking.ConfirmInput{}, badParam("patient-resource")
	}
	pat := person(p.Name, p.Telecom)
	for _, id := range p.Identifier {
		if id.System == healthNumberSystem {
			pat.HealthNumber = id.Value
		}
	}
	if p.BirthDate != "" {
		d, err := rdv.ParseDate(p.BirthDate)
		if err != nil {
			return booking.ConfirmInput{}, rdv.FieldError("patient.birth_date", "birth date %q", p.BirthDate)
		}
		pat.BirthDate = d
	}
	if len(p.Communication) > 0 { // the first is the preferred one
		for _, code := range p.Communication[0].Language.Coding {
			if l, _, _ := strings.Cut(code.Code, "-"); l == "fr" || l == "en" {
				pat.Language = l
			}
		}
	}
	ci := booking.ConfirmInput{Patient: pat, Channel: rdv.API}
	if len(p.Contact) > 0 {
		c := p.Contact[0]
		var names []HumanName
		if c.Name != nil {
			names = []HumanName{*c.Name}
		}
		g := person(names, c.Telecom)
		g.Language = pat.Language
		ci.Guardian = &g
		ci.Relationship = rdv.OtherRelation
		for _, rel := range c.Relationship {
			for _, code := range rel.Coding {
				if r, ok := relationships[code.Code]; ok {
					ci.Relationship = r
				}
			}
		}
	}
	return ci, nil
}

// person reads a name and contact points.
func person(names []HumanName, telecom []ContactPoint) rdv.Patient {
	var p rdv.Patient
	if len(names) > 0 {
		p.FirstName = strings.Join(names[0].Given, " ")
		p.LastName = names[0].Family
	}
	for _, t := range telecom {
		switch t.System {
		case "phone", "sms":
			if p.Phone == "" {
				p.Phone = t.Value
			}
		case "email":
			if p.Email == "" {
				p.Email = t.Value
			}
		}
	}
	return p
}
