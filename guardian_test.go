package rdv

import (
	"errors"
	"testing"
	"time"
)

// TestBookingPeopleRules pins the rules of who may book which slot: the
// web form, the desk, the phone agent and the API all call this one
// validation.
func TestBookingPeopleRules(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, Toronto)
	slot := func(s Service) Slot { return Slot{Service: s, Start: time.Date(2026, 12, 2, 10, 0, 0, 0, Toronto)} }
	adult := func() Patient {
		return Patient{FirstName: "Marc", LastName: "Gagnon", BirthDate: Date{1950, 3, 1}, HealthNumber: "GAGM50030111", Phone: "514-555-0101"}
	}
	child := func(birth Date, hn string) Patient {
		return Patient{FirstName: "Léo", LastName: "Tremblay", BirthDate: birth, HealthNumber: hn}
	}
	parent := func() *Patient {
		return &Patient{FirstName: "Julie", LastName: "Tremblay", Phone: "514-555-0102"}
	}
	for _, tc := range []struct {
		name    string
		service Service
		b       BookingPeople
		card    Card
		fields  []string
		reason  error
	}{
		{"adult, general", General, BookingPeople{Patient: adult()}, OwnCard, nil, nil},
		{"adult born in 1950 in pediatrics", Pediatrics, BookingPeople{Patient: adult()}, OwnCard, []string{"patient.birth_date"}, ErrPediatricAge},
		{"adult names a guardian", General, BookingPeople{Patient: adult(), Guardian: parent(), Relationship: Parent}, OwnCard, []string{"guardian"}, ErrGuardianAdult},
		{"7-year-old alone", Pediatrics, BookingPeople{Patient: child(Date{2019, 4, 7}, "TREL19040712")}, OwnCard, []string{"guardian"}, ErrGuardianRequired},
		{"7-year-old, parent without number nor birth date", Pediatrics, BookingPeople{Patient: child(Date{2019, 4, 7}, "TREL19040712"), Guardian: parent(), Relationship: Parent}, OwnCard, nil, nil},
		{"guardian without relationship nor contact", Pediatrics, BookingPeople{Patient: child(Date{2019, 4, 7}, "TREL19040712"), Guardian: &Patient{FirstName: "Julie", LastName: "Tremblay"}}, OwnCard, []string{"guardian.phone", "guardian.relationship"}, nil},
		{"guardian's number checked when given", Pediatrics, BookingPeople{Patient: child(Date{2019, 4, 7}, "TREL19040712"), Guardian: func() *Patient { g := parent(); g.HealthNumber = "XXXX80010112"; return g }(), Relationship: Parent}, OwnCard, []string{"guardian.health_number"}, ErrHealthNumberName},
		{"15-year-old alone", Pediatrics, BookingPeople{Patient: func() Patient { p := child(Date{2011, 5, 6}, "TREL11050612"); p.Phone = "514-555-0103"; return p }()}, OwnCard, nil, nil},
		{"17 turning 18 before the visit", Pediatrics, BookingPeople{Patient: func() Patient { p := child(Date{2008, 12, 1}, "TREL08120112"); p.Phone = "514-555-0103"; return p }()}, OwnCard, []string{"patient.birth_date"}, ErrPediatricAge},
		{"newborn on the parent's number", Pediatrics, BookingPeople{Patient: child(Date{2026, 10, 20}, ""), Guardian: func() *Patient { g := parent(); g.HealthNumber = "TREJ85561012"; return g }(), Relationship: Parent}, GuardianCard, nil, nil},
		{"newborn, nobody's number", Pediatrics, BookingPeople{Patient: child(Date{2026, 10, 20}, ""), Guardian: parent(), Relationship: Parent}, OwnCard, []string{"patient.health_number", "guardian.health_number"}, nil},
		{"2-year-old without number", Pediatrics, BookingPeople{Patient: child(Date{2024, 1, 5}, ""), Guardian: func() *Patient { g := parent(); g.HealthNumber = "TREJ85561012"; return g }(), Relationship: Parent}, OwnCard, []string{"patient.health_number"}, nil},
		{"walk-in without a card", General, BookingPeople{Patient: func() Patient { p := adult(); p.HealthNumber = ""; return p }(), WithoutCard: true}, NoCard, nil, nil},
		{"without a card but a number typed", General, BookingPeople{Patient: adult(), WithoutCard: true}, NoCard, []string{"patient.health_number"}, ErrNoCardNumber},
		{"every error at once", General, BookingPeople{Patient: Patient{FirstName: "Léa", LastName: "Tremblay", BirthDate: Date{2030, 1, 1}, HealthNumber: "TREL1954071", Phone: "12"}}, OwnCard, []string{"patient.birth_date", "patient.health_number", "patient.phone"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.b
			card, err := b.Validate(slot(tc.service), now)
			var got []string
			for _, e := range AllFieldErrors(err) {
				got = append(got, e.Field)
			}
			if !equalSets(got, tc.fields) {
				t.Fatalf("fields %q, want %q (%v)", got, tc.fields, err)
			}
			if err == nil && card != tc.card {
				t.Fatalf("card %q, want %q", card, tc.card)
			}
			if tc.reason != nil && !containsReason(err, tc.reason) {
				t.Fatalf("err %v, want reason %v", err, tc.reason)
			}
		})
	}
}

func equalSets(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]bool{}
	for _, x := range a {
		seen[x] = true
	}
	for _, x := range b {
		if !seen[x] {
			return false
		}
	}
	return true
}

func containsReason(err, reason error) bool {
	for _, e := range AllFieldErrors(err) {
		if errors.Is(e, reason) {
			return true
		}
	}
	return false
}

func TestFieldErrorsReadAsTheFirst(t *testing.T) {
	t.Parallel()
	p := Patient{FirstName: "Léa", LastName: "Tremblay", BirthDate: Date{2030, 1, 1}, HealthNumber: "TREL1954071", Phone: "514-555-0123"}
	err := p.Validate(Date{2026, 11, 28})
	if ErrorField(err) != "patient.birth_date" || ErrorCode(err) != EINVALID {
		t.Fatalf("first error %q %q, want the birth date's", ErrorField(err), ErrorCode(err))
	}
	if n := len(AllFieldErrors(err)); n != 2 {
		t.Fatalf("%d errors (%v), want the birth date's and the number's", n, err)
	}
}
