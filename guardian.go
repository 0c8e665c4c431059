package rdv

import (
	"errors"
	"time"
)

// The ages that the booking rules turn on, in whole years on the day of
// the appointment (in the clinics' time zone), as families and clinics in
// Québec expect them.
const (
	// PediatricAge: pediatrics slots are for patients under 18.
	PediatricAge = 18
	// GuardianAge: under 14 a parent or guardian books for the child and
	// is the one the clinic reaches; from 14 a patient may book alone.
	GuardianAge = 14
	// NewbornAge: a child under one year may have no card yet (the card
	// comes weeks or months after the birth); such a child is booked on
	// the guardian's health number with the child's own birth date, and
	// the clinic asks for the card at the visit. A year is long enough for
	// every card to arrive and short enough that an older child's missing
	// number is a mistake, not a card in the mail.
	NewbornAge = 1
)

// Reasons a booking's people are refused; the field error wraps one of
// them (errors.Is) so that each layer says it in the person's words.
var (
	ErrPediatricAge     = errors.New("pediatrics is for patients under 18")
	ErrGuardianRequired = errors.New("a parent or guardian books for a patient under 14")
	ErrGuardianAdult    = errors.New("an adult books for themselves")
	ErrRelationship     = errors.New("relationship must be parent, legal guardian or other")
	ErrNewbornNumber    = errors.New("a newborn without a card is booked on the guardian's health number")
	ErrNoCardNumber     = errors.New("a visit without a card carries no health number")
)

// Relationship is how the person who books for a child is related to the
// child.
type Relationship string

// Relationships offered on every booking form.
const (
	Parent        Relationship = "parent"
	LegalGuardian Relationship = "legal_guardian"
	OtherRelation Relationship = "other"
)

// Relationships lists the relationships in the order forms show them.
var Relationships = []Relationship{Parent, LegalGuardian, OtherRelation}

// Card says which health insurance card an appointment was booked with,
// so that the clinic knows what to ask for at the visit.
type Card string

// Cards. The zero value is the patient's own card.
const (
	OwnCard Card = ""
	// GuardianCard: a newborn without a card yet, booked on the
	// guardian's number (kept as the guardian's, never the child's).
	GuardianCard Card = "guardian"
	// NoCard: a walk-in seen without a card (a visitor, a newborn, a
	// card left at home), booked at the desk; the patient has no number.
	NoCard Card = "none"
)

// AgeOn is a person's age in whole years on day.
func AgeOn(birth, day Date) int {
	age := day.Year - birth.Year
	if day.Month < birth.Month || day.Month == birth.Month && day.Day < birth.Day {
		age--
	}
	return age
}

// BookingPeople is who an appointment is for and who books it, as a web
// form, a staff form or the API gives them.
type BookingPeople struct {
	Patient      Patient
	Guardian     *Patient // the parent or guardian who books for a child
	Relationship Relationship
	// WithoutCard is set by the clinic's desk for a walk-in seen without
	// a health number; nobody else may set it.
	WithoutCard bool
}

// Validate checks the people of a booking in slot sl and normalises them
// in place, and reports every invalid field at once (FieldErrors). It is
// the one place of the rules: pediatrics under 18 at the appointment; a
// guardian (name, relationship, a phone or an email; a health number only
// if they choose to give one) under 14, optional from 14 to 17, and none
// for an adult; a newborn without a card on the guardian's number; no
// number at all only for a walk-in at the desk. It returns the card the
// booking is made with.
func (b *BookingPeople) Validate(sl Slot, now time.Time) (Card, error) {
	today := DateOf(now)
	p := &b.Patient
	card := OwnCard
	switch {
	case b.WithoutCard:
		card = NoCard
	case p.HealthNumber == "" && b.Guardian != nil && b.Guardian.HealthNumber != "" && p.BirthDate != (Date{}) &&
		AgeOn(p.BirthDate, DateOf(sl.Start)) < NewbornAge && !today.Before(p.BirthDate):
		card = GuardianCard
	}
	errs := p.check("patient", today, true, card == OwnCard)
	if card == NoCard && p.HealthNumber != "" {
		errs.add(&Error{Code: EINVALID, Field: "patient.health_number", Detail: "a visit without a card carries no number", Err: ErrNoCardNumber})
	}
	age, ageKnown := 0, !errs.has("patient.birth_date")
	if ageKnown {
		age = AgeOn(p.BirthDate, DateOf(sl.Start))
		if sl.Service == Pediatrics && age >= PediatricAge {
			errs.add(&Error{Code: EINVALID, Field: "patient.birth_date", Detail: "pediatrics is for patients under 18", Err: ErrPediatricAge})
		}
		if card == OwnCard && p.HealthNumber == "" && age < NewbornAge && b.Guardian != nil {
			// Say what a newborn without a card needs, rather than a
			// bare "required".
			errs.add(&Error{Code: EINVALID, Field: "guardian.health_number", Detail: "newborn without a card", Err: ErrNewbornNumber})
		}
	}
	switch g := b.Guardian; {
	case g == nil && ageKnown && age < GuardianAge:
		errs.add(&Error{Code: EINVALID, Field: "guardian", Detail: "a patient under 14 needs a guardian", Err: ErrGuardianRequired})
	case g != nil && ageKnown && age >= PediatricAge:
		errs.add(&Error{Code: EINVALID, Field: "guardian", Detail: "an adult names no guardian", Err: ErrGuardianAdult})
	case g != nil:
		if g.Language == "" {
			g.Language = p.Language
		}
		errs.add(g.check("guardian", today, false, card == GuardianCard))
		switch b.Relationship {
		case Parent, LegalGuardian, OtherRelation:
		default:
			errs.add(&Error{Code: EINVALID, Field: "guardian.relationship", Detail: "unknown relationship", Err: ErrRelationship})
		}
		g.GuardianID = 0
	}
	if p.Phone == "" && p.Email == "" && (b.Guardian != nil || ageKnown && age < GuardianAge) {
		// A child is reached through the guardian, who is the contact of
		// the booking: the child's own contact is not needed.
		errs = without(errs, "patient.phone")
		if g := b.Guardian; g != nil {
			p.Phone, p.Email = g.Phone, g.Email
		}
	}
	return card, errs.err()
}

// without drops the error of one field.
func without(errs FieldErrors, field string) FieldErrors {
	out := errs[:0:0]
	for _, e := range errs {
		if e.Field != field {
			out = append(out, e)
		}
	}
	return out
}
