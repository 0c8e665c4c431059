package rdv

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestPersonValidate(t *testing.T) {
	t.Parallel()
	today := Date{2026, 11, 28}
	valid := func() Person {
		return Person{FirstName: " Léa ", LastName: "Tremblay", BirthDate: Date{2019, 4, 7},
			HealthNumber: "trel 1954 0712", Relationship: Parent}
	}
	for _, tc := range []struct {
		name   string
		edit   func(*Person)
		fields []string
		is     error
	}{
		{"valid dependent", func(*Person) {}, nil, nil},
		{"self", func(p *Person) { p.Relationship = Self }, nil, nil},
		{"legal guardian of", func(p *Person) { p.Relationship = LegalGuardian }, nil, nil},
		{"other", func(p *Person) { p.Relationship = OtherRelation }, nil, nil},
		{"no health number: a card not come yet", func(p *Person) { p.HealthNumber = " " }, nil, nil},
		{"first name", func(p *Person) { p.FirstName = "" }, []string{"person.first_name"}, nil},
		{"last name too long", func(p *Person) { p.LastName = "Tremblay" + strings.Repeat("e", 93) }, []string{"person.last_name"}, nil},
		{"control character", func(p *Person) { p.FirstName = "Léa\u202e" }, []string{"person.first_name"}, ErrControlCharacter},
		{"birth date missing", func(p *Person) { p.BirthDate = Date{}; p.HealthNumber = "" }, []string{"person.birth_date"}, nil},
		{"birth date in the future", func(p *Person) { p.BirthDate = Date{2027, 1, 1}; p.HealthNumber = "" }, []string{"person.birth_date"}, nil},
		{"health number shape", func(p *Person) { p.HealthNumber = "TRE119540712" }, []string{"person.health_number"}, nil},
		{"health number of another birth date", func(p *Person) { p.HealthNumber = "TREL19540812" }, []string{"person.health_number"}, ErrHealthNumberBirthDate},
		{"health number of another name", func(p *Person) { p.LastName = "Gagnon" }, []string{"person.health_number"}, ErrHealthNumberName},
		{"relationship missing", func(p *Person) { p.Relationship = "" }, []string{"person.relationship"}, ErrRelationship},
		{"relationship unknown", func(p *Person) { p.Relationship = "cousin" }, []string{"person.relationship"}, ErrRelationship},
		{"every field at once", func(p *Person) { *p = Person{HealthNumber: "x"} },
			[]string{"person.first_name", "person.last_name", "person.birth_date", "person.health_number", "person.relationship"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := valid()
			tc.edit(&p)
			err := p.Validate(today)
			if got := errorFields(err); !slices.Equal(got, tc.fields) {
				t.Fatalf("fields %q, want %q (err %v)", got, tc.fields, err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want %v", err, tc.is)
			}
			if err == nil && (p.FirstName != "Léa" || p.HealthNumber != "" && p.HealthNumber != "TREL19540712") {
				t.Fatalf("not normalised: %+v", p)
			}
		})
	}
}

func TestRosterEntryValidate(t *testing.T) {
	t.Parallel()
	today := Date{2026, 11, 28}
	valid := func() RosterEntry {
		return RosterEntry{ClinicID: 1, FirstName: "Léa", LastName: " Tremblay", BirthDate: Date{1954, 7, 12}, HealthNumber: "trel 5457 1212"}
	}
	for _, tc := range []struct {
		name   string
		edit   func(*RosterEntry)
		fields []string
		is     error
	}{
		{"valid", func(*RosterEntry) {}, nil, nil},
		{"health number required", func(e *RosterEntry) { e.HealthNumber = "" }, []string{"patient.health_number"}, nil},
		{"birth date required", func(e *RosterEntry) { e.BirthDate = Date{} }, []string{"patient.birth_date"}, nil},
		{"names required", func(e *RosterEntry) { e.FirstName, e.LastName = "", " " }, []string{"patient.first_name", "patient.last_name"}, nil},
		{"health number of another birth date", func(e *RosterEntry) { e.BirthDate = Date{1954, 7, 13} }, []string{"patient.health_number"}, ErrHealthNumberBirthDate},
		{"health number of another name", func(e *RosterEntry) { e.FirstName = "Marc" }, []string{"patient.health_number"}, ErrHealthNumberName},
		{"too old", func(e *RosterEntry) { e.BirthDate = Date{1890, 1, 1} }, []string{"patient.birth_date"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := valid()
			tc.edit(&e)
			err := e.Validate(today)
			if got := errorFields(err); !slices.Equal(got, tc.fields) {
				t.Fatalf("fields %q, want %q (err %v)", got, tc.fields, err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want %v", err, tc.is)
			}
			if err == nil && (e.HealthNumber != "TREL54571212" || e.LastName != "Tremblay") {
				t.Fatalf("not normalised: %+v", e)
			}
		})
	}
}

// errorFields lists the fields of every field error err carries.
func errorFields(err error) []string {
	var out []string
	for _, e := range AllFieldErrors(err) {
		out = append(out, e.Field)
	}
	return out
}
