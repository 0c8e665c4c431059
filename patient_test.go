package rdv

import "testing"

func TestPatientValidate(t *testing.T) {
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
