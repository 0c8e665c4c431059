package rdv

import (
	"errors"
	"testing"
)

func TestPatientValidate(t *testing.T) {
	t.Parallel()
	today := Date{2026, 11, 28}
	valid := func() Patient {
		return Patient{FirstName: "Léa", LastName: "Tremblay", BirthDate: Date{2019, 4, 7},
			HealthNumber: "trel 1954 0712", Phone: "(514) 555-0123", Email: "lea@example.org"}
	}
	for _, tc := range []struct {
		name  string
		edit  func(*Patient)
		field string
	}{
		{"valid, woman's month plus 50", func(*Patient) {}, ""},
		{"man's month", func(p *Patient) { p.HealthNumber = "TREL19040712" }, ""},
		{"first name", func(p *Patient) { p.FirstName = " " }, "patient.first_name"},
		{"last name", func(p *Patient) { p.LastName = "" }, "patient.last_name"},
		{"birth date missing", func(p *Patient) { p.BirthDate = Date{} }, "patient.birth_date"},
		{"birth date in future", func(p *Patient) { p.BirthDate = Date{2027, 1, 1} }, "patient.birth_date"},
		{"health number shape", func(p *Patient) { p.HealthNumber = "TRE119540712" }, "patient.health_number"},
		{"health number length", func(p *Patient) { p.HealthNumber = "TREL1954071" }, "patient.health_number"},
		{"health number impossible date", func(p *Patient) { p.HealthNumber = "TREL19543112" }, "patient.health_number"},
		{"health number other birth date", func(p *Patient) { p.HealthNumber = "TREL19540812" }, "patient.health_number"},
		{"email", func(p *Patient) { p.Email = "lea@" }, "patient.email"},
		{"email without domain dot", func(p *Patient) { p.Email = "lea@localhost" }, "patient.email"},
		{"phone", func(p *Patient) { p.Phone = "555-01" }, "patient.phone"},
		{"phone with 1", func(p *Patient) { p.Phone = "+1 514 555 0123" }, ""},
		{"no way to reach", func(p *Patient) { p.Phone, p.Email = "", "" }, "patient.phone"},
		{"language", func(p *Patient) { p.Language = "de" }, "patient.language"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := valid()
			tc.edit(&p)
			err := p.Validate(today)
			if got := ErrorField(err); got != tc.field {
				t.Fatalf("field %q, want %q (err %v)", got, tc.field, err)
			}
			if err == nil && (p.HealthNumber[4] == ' ' || p.Language != "fr" && p.Language != "en") {
				t.Fatalf("not normalised: %+v", p)
			}
		})
	}
}

func TestHealthNumberLetters(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ first, last, want string }{
		{"Léa", "Tremblay", "TREL"},
		{"Émile", "Côté", "COTE"},
		{"Jean", "D'Amour", "DAMJ"},
		{"Thi", "Lê", "LEXT"},
		{"Li", "Ng", "NGXL"},
		{"Yu", "O", "OXXY"},
		{"Sean", "O'Neil-Tremblay", "ONES"},
		{"Ana", "Da Silva", "DAXA"},
		{"Marie-Ève", "Bouchard-Lemieux", "BOUM"},
		{"Œdipe", "Lœuvre", "LOEO"},
		{"  ève ", "  gagnon ", "GAGE"},
		{"Zoé", "Ébert", "EBEZ"},
		{"Ann", "St-Pierre", "STXA"},
		{"Ann", "Saint-Pierre", "SAIA"},
	} {
		if got := HealthNumberLetters(tc.first, tc.last); got != tc.want {
			t.Errorf("letters of %q %q = %q, want %q", tc.first, tc.last, got, tc.want)
		}
	}
}

func TestHealthNumberName(t *testing.T) {
	t.Parallel()
	today := Date{2026, 11, 28}
	for _, tc := range []struct {
		name        string
		first, last string
		hn          string
		ok          bool
	}{
		{"matches", "Léa", "Tremblay", "TREL19540712", true},
		{"accents and apostrophe", "Éric", "D'Amour", "DAME19040712", true},
		{"short name padded", "Minh", "Lê", "LEXM19040712", true},
		{"first part of a compound name", "Sean", "O'Neil-Tremblay", "ONES19040712", true},
		{"another last name", "Mallory", "Attaquant", "TREL19540712", false},
		{"another first name", "Marc", "Tremblay", "TREL19040712", false},
		{"compound name read whole", "Ann", "St-Pierre", "STPA19040712", true},
		{"particle read whole", "Ana", "Da Silva", "DASA19040712", true},
		{"compound name by its first part", "Ann", "St-Pierre", "STXA19040712", true},
		{"second part of a compound name", "Sean", "O'Neil-Tremblay", "TRES19040712", false},
		{"short name not padded", "Minh", "Lê", "LEMM19040712", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Patient{FirstName: tc.first, LastName: tc.last, BirthDate: Date{2019, 4, 7}, HealthNumber: tc.hn, Phone: "514-555-0123"}
			err := p.Validate(today)
			switch {
			case tc.ok && err != nil:
				t.Fatalf("refused: %v", err)
			case !tc.ok && (ErrorField(err) != "patient.health_number" || !errors.Is(err, ErrHealthNumberName)):
				t.Fatalf("error %v, want a health number that does not match the name", err)
			}
		})
	}
}
