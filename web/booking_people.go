package web

import (
	"errors"
	"strings"

	"rdv"
	"rdv/booking"
)

// The people of a booking on the web, the desk's and the phone agent's
// forms: the same fields, the same rules (rdv.BookingPeople), and every
// error shown at once, each by its field.

// relationshipField is the guardian's relationship to the child.
const relationshipField = guardianPrefix + "relationship"

// noCardField is the desk's box for a walk-in seen without a card.
const noCardField = "sans_carte"

// relationshipOption is one choice of the relationship list.
type relationshipOption struct {
	Value, LabelKey string
}

// relationshipOptions are the relationships in the order forms offer them.
var relationshipOptions = func() []relationshipOption {
	var out []relationshipOption
	for _, r := range rdv.Relationships {
		out = append(out, relationshipOption{string(r), "rel." + string(r)})
	}
	return out
}()

// Relationships lists the relationship choices for the guardian section.
func (p *page) Relationships() []relationshipOption { return relationshipOptions }

// forChild reports whether the form names a parent or guardian: the box is
// ticked or one of the guardian's fields is filled in.
func forChild(f *form) bool {
	if f.Values.Get("for_child") != "" || strings.TrimSpace(f.Values.Get(relationshipField)) != "" {
		return true
	}
	for _, pf := range patientFields {
		if strings.TrimSpace(f.Values.Get(guardianPrefix+pf.name)) != "" {
			return true
		}
	}
	return false
}

// readPeople reads the patient and, for a child, the guardian and the
// relationship from a booking form.
func readPeople(f *form, in *booking.ConfirmInput) {
	in.Patient = readPatient(f, "")
	in.Guardian, in.Relationship = nil, ""
	if forChild(f) {
		g := readPatient(f, guardianPrefix)
		in.Guardian = &g
		in.Relationship = rdv.Relationship(strings.TrimSpace(f.Values.Get(relationshipField)))
	}
}

// checkPeople applies the booking rules to the people of the form for slot
// sl and places every error by its field, so that one answer shows them
// all. The engine checks again and has the last word.
func (s *Server) checkPeople(f *form, in booking.ConfirmInput, sl rdv.Slot) {
	b := rdv.BookingPeople{Patient: in.Patient, Relationship: in.Relationship, WithoutCard: in.WithoutCard}
	if in.Guardian != nil {
		g := *in.Guardian
		b.Guardian = &g
	}
	_, err := b.Validate(sl, s.d.Engine.Now())
	placeErrors(f, err)
}

// placeErrors places every field error of err on the form; a field that
// already has a message (a required field left empty, a date that does not
// read) keeps it.
func placeErrors(f *form, err error) {
	for _, e := range rdv.AllFieldErrors(err) {
		fieldError(f, e, "")
	}
	if err != nil && len(rdv.AllFieldErrors(err)) == 0 {
		fieldError(f, err, "")
	}
}

// reasonKey is the message of a rule of the booking's people, or "".
func reasonKey(err error) string {
	for _, r := range []struct {
		err error
		key string
	}{
		{rdv.ErrPediatricAge, "err.pediatric_age"},
		{rdv.ErrGuardianRequired, "err.guardian_required"},
		{rdv.ErrGuardianAdult, "err.guardian_adult"},
		{rdv.ErrRelationship, "err.relationship"},
		{rdv.ErrNewbornNumber, "err.newborn_number"},
		{rdv.ErrNoCardNumber, "err.no_card_number"},
	} {
		if errors.Is(err, r.err) {
			return r.key
		}
	}
	return ""
}
