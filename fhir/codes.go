package fhir

import (
	"encoding/hex"
	"strconv"
	"strings"

	"rdv"
)

// Code systems and extensions rdv speaks in. The services are rdv's own
// codes under the server's base (ServiceSystem), each paired with the
// nearest code of HL7's service-type system, which aggregators read.
const (
	hl7ServiceType = "http://terminology.hl7.org/CodeSystem/service-type"
	bcp47          = "urn:ietf:bcp:47"
	// healthNumberSystem names the Québec health insurance number (RAMQ)
	// as the pan-Canadian baseline does. A booking's patient carries it.
	healthNumberSystem = "https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id"
	// holdSystem names a hold's identifier on a pending Appointment.
	holdSystem = "urn:rdv:hold"

	extBookingDeepLink = "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-deep-link"
	extBookingPhone    = "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-phone"
	// extAppointmentLink carries a booked appointment's page, whose token
	// lets its holder see, move or cancel it: shown once, at booking.
	extAppointmentLink = "urn:rdv:appointment-link"
)

// hl7Service pairs each service with HL7's service-type code and display.
var hl7Service = map[rdv.Service]Coding{
	rdv.General:     {System: hl7ServiceType, Code: "124", Display: "General Practice"},
	rdv.Pediatrics:  {System: hl7ServiceType, Code: "200", Display: "Paediatric Medicine"},
	rdv.Urgent:      {System: hl7ServiceType, Code: "556", Display: "Walk-in Centre /Non-Emergency"},
	rdv.FollowUp:    {System: hl7ServiceType, Code: "124", Display: "General Practice"},
	rdv.Prenatal:    {System: hl7ServiceType, Code: "249", Display: "Antenatal"},
	rdv.Vaccination: {System: hl7ServiceType, Code: "57", Display: "Immunization"},
	rdv.BloodTest:   {System: hl7ServiceType, Code: "159", Display: "Pathology - General"},
}

// serviceConcept is a service as FHIR codes it: rdv's code first (it
// alone tells a follow-up from a general consultation), then HL7's.
func (s *Server) serviceConcept(svc rdv.Service, lang string) CodeableConcept {
	return CodeableConcept{
		Coding: []Coding{{System: s.serviceSystem, Code: string(svc), Display: svc.Name(lang)}, hl7Service[svc]},
		Text:   svc.Name(lang),
	}
}

// parseServiceToken reads a service-type search value: "code",
// "system|code" in rdv's system, or HL7's code. ok is false for a token
// that names none of rdv's services.
func (s *Server) parseServiceToken(tok string) (rdv.Service, bool) {
	system, code, hasSystem := strings.Cut(tok, "|")
	if !hasSystem {
		code, system = system, ""
	}
	switch system {
	case "", s.serviceSystem:
		if svc := rdv.Service(code); svc.Valid() {
			return svc, true
		}
		if system != "" {
			return "", false
		}
	}
	if system == "" || system == hl7ServiceType {
		// HL7's 124 is both a general consultation and a follow-up: the
		// first in rdv's order, which anyone may book, is what it means.
		for _, svc := range rdv.Services {
			if hl7Service[svc].Code == code {
				return svc, true
			}
		}
	}
	return "", false
}

// languageConcept is a language a person or a service speaks.
func languageConcept(l string) CodeableConcept {
	name := map[string]string{"fr": "français", "en": "English"}[l]
	return CodeableConcept{Coding: []Coding{{System: bcp47, Code: l, Display: name}}, Text: name}
}

// IDs. Clinics, practitioners, slots and appointments keep rdv's numbers;
// a clinic's service and a practitioner's schedule for a service join a
// number and a service code. Proposed and held appointments are not
// stored: their ids carry the slot or the hold they stand for.

func idOf(n int64) string { return strconv.FormatInt(n, 10) }

// parseID reads a numeric resource id; ok is false for anything else,
// a sign included: "+12" is not another name of resource 12.
func parseID(s string) (int64, bool) {
	if s == "" || len(s) > 18 || s[0] == '0' || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

func serviceID(owner int64, svc rdv.Service) string { return idOf(owner) + "-" + string(svc) }

// parseServiceID reads "12-pediatrics".
func parseServiceID(s string) (int64, rdv.Service, bool) {
	num, code, ok := strings.Cut(s, "-")
	n, okN := parseID(num)
	svc := rdv.Service(code)
	return n, svc, ok && okN && svc.Valid()
}

const (
	proposedPrefix = "slot-"
	holdPrefix     = "hold-"
)

func proposedID(slotID int64) string { return proposedPrefix + idOf(slotID) }

// holdAppointmentID makes a FHIR id of a hold's: FHIR ids allow neither
// the underscore nor every length a hold id may have, so it goes in hex.
func holdAppointmentID(holdID string) string { return holdPrefix + hex.EncodeToString([]byte(holdID)) }

// appointmentRef is what an Appointment id names.
type appointmentRef struct {
	appointment int64  // a booked appointment
	slot        int64  // a proposed one
	hold        string // a held one
}

// parseAppointmentID reads any Appointment id rdv gives.
func parseAppointmentID(s string) (appointmentRef, bool) {
	if rest, ok := strings.CutPrefix(s, proposedPrefix); ok {
		n, ok := parseID(rest)
		return appointmentRef{slot: n}, ok
	}
	if rest, ok := strings.CutPrefix(s, holdPrefix); ok {
		// Lower-case hex only, as holdAppointmentID writes it: ids are
		// case-sensitive, and "hold-0A" would be a second name of "hold-0a".
		b, err := hex.DecodeString(rest)
		if err != nil || len(b) == 0 || len(b) > 100 || rest != strings.ToLower(rest) {
			return appointmentRef{}, false
		}
		return appointmentRef{hold: string(b)}, true
	}
	n, ok := parseID(s)
	return appointmentRef{appointment: n}, ok
}

// referenceID returns the id of a reference to a resource of type typ:
// "Location/12", the same after the server's base, or "12" alone.
func (s *Server) referenceID(ref, typ string) (string, bool) {
	ref = strings.TrimPrefix(ref, s.base+"/")
	if t, id, ok := strings.Cut(ref, "/"); ok {
		return id, t == typ && id != "" && !strings.Contains(id, "/")
	}
	return ref, ref != ""
}
