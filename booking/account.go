package booking

import (
	"context"
	"fmt"

	"rdv"
)

// CancelForAccount cancels an appointment for the signed-in patient
// account it belongs to: the account stands for the link's token. An
// appointment of another account, or of none, is ENOTFOUND.
func (e *Engine) CancelForAccount(ctx context.Context, accountID, id int64, idem *rdv.IdemKey) (rdv.Appointment, error) {
	if accountID <= 0 {
		return rdv.Appointment{}, rdv.Errorf(rdv.ENOTFOUND, "appointment %d", id)
	}
	a, ch, err := e.store.Cancel(ctx, rdv.CancelRequest{AppointmentID: id, AccountID: accountID, Now: e.Now(), Idem: idem})
	if err != nil {
		return rdv.Appointment{}, fmt.Errorf("cancel for account %d: %w", accountID, err)
	}
	e.index.Apply(ch)
	return a, nil
}

// RescheduleForAccount moves an appointment of the signed-in patient
// account to the slot of a live hold, as Reschedule does with the token.
// The notice of the move carries no link (the account does not hold the
// token): the patient finds the appointment under their account.
func (e *Engine) RescheduleForAccount(ctx context.Context, accountID, id int64, holdID string, idem *rdv.IdemKey) (rdv.Appointment, error) {
	switch {
	case accountID <= 0:
		return rdv.Appointment{}, rdv.Errorf(rdv.ENOTFOUND, "appointment %d", id)
	case holdID == "":
		return rdv.Appointment{}, rdv.FieldError("hold_id", "hold_id is required")
	}
	a, err := e.reschedule(ctx, rdv.RescheduleRequest{AppointmentID: id, AccountID: accountID, HoldID: holdID, Idem: idem})
	if err != nil {
		return rdv.Appointment{}, fmt.Errorf("reschedule for account %d: %w", accountID, err)
	}
	return a, nil
}
