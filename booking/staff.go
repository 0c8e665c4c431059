package booking

import (
	"context"
	"fmt"

	"rdv"
)

// CancelByStaff cancels an appointment of clinic clinicID for its patient,
// without the patient's token: the receptionist who takes the call is the
// proof. An appointment of another clinic is ENOTFOUND, one already seen,
// arrived or missed is ECONFLICT. The freed slot goes back to search at
// once.
func (e *Engine) CancelByStaff(ctx context.Context, clinicID, id int64) (rdv.Appointment, error) {
	if clinicID <= 0 {
		// A zero clinic would reach every clinic: only the network's own
		// tools may do that, through the store.
		return rdv.Appointment{}, rdv.Errorf(rdv.ENOTFOUND, "appointment %d", id)
	}
	a, ch, err := e.store.Cancel(ctx, rdv.CancelRequest{AppointmentID: id, ByStaff: true, ClinicID: clinicID, Now: e.Now()})
	if err != nil {
		return rdv.Appointment{}, fmt.Errorf("cancel by staff: %w", err)
	}
	e.index.Apply(ch)
	return a, nil
}
