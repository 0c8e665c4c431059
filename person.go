package rdv

// Validate checks the person's fields and normalises them in place (names
// trimmed, the health number upper-cased without spaces). A person needs
// names and a birth date; the health number is optional (a child whose
// card has not come yet) and, when given, checked as a patient's is: its
// shape, the name's letters and the birth date it encodes. The
// relationship is Self or one of Relationships. Every invalid field is
// reported at once (FieldErrors), named "person." and its JSON name.
func (p *Person) Validate(today Date) error {
	q := Patient{FirstName: p.FirstName, LastName: p.LastName, BirthDate: p.BirthDate, HealthNumber: p.HealthNumber}
	errs := q.checkIdentity("person", today, true, false)
	p.FirstName, p.LastName, p.HealthNumber = q.FirstName, q.LastName, q.HealthNumber
	switch p.Relationship {
	case Self, Parent, LegalGuardian, OtherRelation:
	default:
		errs.add(&Error{Code: EINVALID, Field: "person.relationship", Detail: "unknown relationship", Err: ErrRelationship})
	}
	return errs.err()
}

// Validate checks the entry's patient and normalises it in place. A
// clinic registers a patient by health number, so names, birth date and
// number are all required, and the number must agree with the name and
// the birth date: the number is what finds the patient, and a number
// typed wrong would register someone else. Every invalid field is
// reported at once (FieldErrors), named "patient." and its JSON name, as
// the desk's patient fields are.
func (e *RosterEntry) Validate(today Date) error {
	q := Patient{FirstName: e.FirstName, LastName: e.LastName, BirthDate: e.BirthDate, HealthNumber: e.HealthNumber}
	errs := q.checkIdentity("patient", today, true, true)
	e.FirstName, e.LastName, e.HealthNumber = q.FirstName, q.LastName, q.HealthNumber
	return errs.err()
}
