package storetest

import (
	"testing"
	"time"

	"rdv"
)

// rosteredLea is a patient a clinic registers, with a name that has
// accents; her number encodes her name and birth date as a card does.
func rosteredLea() rdv.Patient {
	return rdv.Patient{FirstName: "Léa", LastName: "Côté", BirthDate: rdv.Date{Year: 1985, Month: time.April, Day: 7},
		HealthNumber: "COTL85540712", Phone: "514-555-0123", Email: "lea.cote@example.org", Language: "fr"}
}

// testRosterIdentity: a person is on a clinic's roster only when the
// health number, the birth date and both names are the registered
// patient's, names compared without case, accents or the spaces around
// them. Anyone may type a number in « Ma famille »: the number alone
// neither shows the kept times nor says where its holder is registered.
func testRosterIdentity(t *testing.T, f *patientsFixture) {
	f.mustRoster(f.rosterEntry(1, rosteredLea(), 0))
	for _, tc := range []struct {
		name string
		edit func(p *rdv.Patient)
		want []int64
	}{
		{"as registered", func(p *rdv.Patient) {}, []int64{1}},
		{"case, accents and spaces aside", func(p *rdv.Patient) { p.FirstName, p.LastName = " LEA ", "cote" }, []int64{1}},
		{"number with spaces", func(p *rdv.Patient) { p.HealthNumber = "cotl 8554 0712" }, []int64{1}},
		{"another first name", func(p *rdv.Patient) { p.FirstName = "Lucie" }, nil},
		{"another last name", func(p *rdv.Patient) { p.LastName = "Côtes" }, nil},
		{"another birth date", func(p *rdv.Patient) { p.BirthDate = p.BirthDate.AddDays(1) }, nil},
		{"another century", func(p *rdv.Patient) { p.BirthDate.Year = 1885 }, nil},
		{"no birth date", func(p *rdv.Patient) { p.BirthDate = rdv.Date{} }, nil},
		{"only the number", func(p *rdv.Patient) { *p = rdv.Patient{HealthNumber: p.HealthNumber} }, nil},
	} {
		p := rosteredLea()
		tc.edit(&p)
		got, err := f.store.RosteredClinics(f.ctx, []rdv.Person{f.person(0, p, rdv.OtherRelation)})
		if err != nil || !equalIDs(got, tc.want) {
			t.Errorf("%s: clinics %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

// testRosteredBookingIdentity: a slot kept for a clinic's registered
// patients is booked only for the patient registered, named and born as
// the roster has them; the right number under another name or birth date
// is ENOTROSTERED and writes nothing.
func testRosteredBookingIdentity(t *testing.T, f *patientsFixture) {
	lea := rosteredLea()
	noe := rdv.Patient{FirstName: "Noé", LastName: "Côté", BirthDate: rdv.Date{Year: 2020, Month: time.May, Day: 6},
		HealthNumber: "COTN20050601", Phone: "514-555-0123", Language: "fr"}
	f.mustRoster(f.rosterEntry(1, lea, 0))
	f.mustRoster(f.rosterEntry(1, noe, 0))
	kept := f.freeSlot(1, 1, rdv.Rostered, 0)
	hr := f.holdReq(kept.ID, "patient")
	hr.AllowRostered = true
	held, _, err := f.store.PlaceHold(f.ctx, hr)
	if err != nil {
		t.Fatalf("hold a kept slot: %v", err)
	}
	book := func(p rdv.Patient) (rdv.Appointment, error) {
		a, _, err := f.store.ConfirmHold(f.ctx, f.confirmReq(held.ID, p))
		return a, err
	}
	// Each is a valid patient: the number agrees with the name's letters
	// and the birth date's digits, yet is not the person registered.
	for _, tc := range []struct {
		name string
		p    rdv.Patient
	}{
		{"another first name", func() rdv.Patient { p := lea; p.FirstName = "Lucie"; return p }()},
		{"another last name", func() rdv.Patient { p := lea; p.LastName = "Côtes"; return p }()},
		{"born a century before", func() rdv.Patient { p := noe; p.BirthDate.Year = 1920; return p }()},
	} {
		_, err := book(tc.p)
		wantCode(t, "a kept slot booked for "+tc.name, err, rdv.ENOTROSTERED)
	}
	if got := f.slot(kept.ID); got.State != rdv.SlotHeld {
		t.Fatalf("refused bookings left the slot %s", got.State)
	}
	p := lea
	p.FirstName, p.LastName = " LÉA ", "cote"
	if _, err := book(p); err != nil {
		t.Fatalf("a kept slot booked for the registered patient, case and accents aside: %v", err)
	}
}
