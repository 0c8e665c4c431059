package storetest

import (
	"testing"

	"rdv"
	"rdv/auth"
)

// runStaffCancel runs the conformance suite of cancellations by staff:
// rdv.CancelRequest with ByStaff needs no token, and with a ClinicID it
// reaches that clinic's appointments only. open returns a fresh, empty,
// migrated store; the refusal after a recorded visit needs rdv.DeskStore.
//
// In SmallNetwork slot 5 is a free public slot of clinic 1 (practitioner
// 1) on the first day; clinic 2's practitioner 3 has slots 67–99.
func runStaffCancel(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"OwnClinic", testStaffCancelOwnClinic},
		{"OtherClinicIsNotFound", testStaffCancelOtherClinic},
		{"NetworkStaffReachEveryClinic", testStaffCancelNetwork},
		{"ClinicIgnoredWithToken", testStaffCancelClinicIgnoredWithToken},
		{"AfterVisitRefused", testStaffCancelAfterVisit},
		{"UnknownAppointment", testStaffCancelUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newFixture(t, open))
		})
	}
}

func (f *fixture) staffCancel(appointmentID, clinicID int64) (rdv.Appointment, rdv.SlotChanges, error) {
	return f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: appointmentID, ByStaff: true, ClinicID: clinicID, Now: f.now})
}

func testStaffCancelOwnClinic(t *testing.T, f *fixture) {
	a := f.mustBook(5)
	got, ch, err := f.staffCancel(a.ID, 1)
	if err != nil {
		t.Fatalf("cancel by clinic 1's staff: %v", err)
	}
	if got.Status != rdv.Cancelled || got.ID != a.ID {
		t.Fatalf("cancel answered %+v, want appointment %d cancelled", got, a.ID)
	}
	if len(ch.Freed) != 1 || ch.Freed[0].ID != 5 {
		t.Fatalf("cancel freed %v, want slot 5", ids(ch.Freed))
	}
	f.wantState(5, rdv.SlotFree)
	if st := f.appointment(a.ID).Status; st != rdv.Cancelled {
		t.Fatalf("appointment is %s after cancel", st)
	}
	// Again: the same answer, nothing more freed.
	again, ch, err := f.staffCancel(a.ID, 1)
	if err != nil || again.Status != rdv.Cancelled || len(ch.Freed) != 0 {
		t.Fatalf("second cancel: %v, %s, freed %v", err, again.Status, ids(ch.Freed))
	}
}

func testStaffCancelOtherClinic(t *testing.T, f *fixture) {
	a := f.mustBook(5)
	_, ch, err := f.staffCancel(a.ID, 2)
	wantCode(t, "cancel of clinic 1's appointment by clinic 2's staff", err, rdv.ENOTFOUND)
	if len(ch.Freed) != 0 {
		t.Fatalf("a refused cancel freed %v", ids(ch.Freed))
	}
	if st := f.appointment(a.ID).Status; st != rdv.Booked {
		t.Fatalf("appointment is %s after another clinic's cancel", st)
	}
	f.wantState(5, rdv.SlotBooked)
}

func testStaffCancelNetwork(t *testing.T, f *fixture) {
	clinic2 := f.firstWhere(func(s rdv.Slot, patient int64) bool {
		return s.ClinicID == 2 && s.Audience == rdv.Public && patient == 0 && s.State == rdv.SlotFree
	})
	a := f.mustBook(clinic2.ID)
	if _, _, err := f.staffCancel(a.ID, 0); err != nil {
		t.Fatalf("cancel by network staff: %v", err)
	}
	f.wantState(clinic2.ID, rdv.SlotFree)
}

func testStaffCancelClinicIgnoredWithToken(t *testing.T, f *fixture) {
	a := f.mustBook(5)
	// The patient's own cancellation carries no clinic; a stray one
	// changes nothing.
	got, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: a.ID, TokenHash: auth.HashToken(a.CancelToken), ClinicID: 2, Now: f.now})
	if err != nil || got.Status != rdv.Cancelled {
		t.Fatalf("cancel with the token: %v, %s", err, got.Status)
	}
}

func testStaffCancelAfterVisit(t *testing.T, f *fixture) {
	d := f.store
	a := f.mustBook(5)
	if _, err := d.SetAppointmentStatus(f.ctx, rdv.AppointmentStatusRequest{ClinicID: 1, AppointmentID: a.ID, Status: rdv.NoShow, Now: f.now}); err != nil {
		t.Fatalf("mark no-show: %v", err)
	}
	_, _, err := f.staffCancel(a.ID, 1)
	wantCode(t, "cancel after a no-show", err, rdv.ECONFLICT)
	if st := f.appointment(a.ID).Status; st != rdv.NoShow {
		t.Fatalf("appointment is %s, want the no-show kept", st)
	}
}

func testStaffCancelUnknown(t *testing.T, f *fixture) {
	_, _, err := f.staffCancel(999999, 1)
	wantCode(t, "cancel of an unknown appointment", err, rdv.ENOTFOUND)
}
