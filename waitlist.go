package rdv

import (
	"fmt"
	"time"
)

// The waitlist of one's own clinic: a signed-in patient with an
// appointment to come asks to be moved earlier, free, at the same clinic.
// A place on it is an appointment request like any other, in the one
// queue and served by the same rules (first come, first served within a
// priority), with these differences:
//
//   - it names the appointment it moves (MovesAppointment) and takes
//     slots at that appointment's clinic only (ClinicID), for the same
//     service, and with the same practitioner if the person asked for
//     it (PractitionerID; else any of the clinic's who gives the
//     service: the clinic's slots of a service are its own to share, and
//     the person who wants continuity of care says so);
//   - its range ends at the appointment's start, so that only earlier
//     slots fit (Fits reads To as for any request);
//   - its scope is the own clinic, free: it pays no fee. A public slot of
//     the clinic fits anyone booked there; a slot kept for the clinic's
//     registered patients only a patient on its roster (NeedsRoster);
//   - it carries no priority: its person has an appointment already;
//   - accepting its proposal moves the appointment (the store's
//     reschedule, in one transaction: the old slot freed for the next
//     request, the new one booked, the revision bumped, the notice of
//     the new time and its reminder written) instead of booking another;
//   - the appointment cancelled or moved otherwise ends it
//     (CloseAppointmentChanged), and an appointment has at most one
//     waiting place on the waitlist.

// WaitlistInput is a signed-in patient's ask to have an appointment moved
// earlier at its clinic.
type WaitlistInput struct {
	Appointment Appointment // as the store has it
	Clinic      Clinic      // the appointment's
	// SamePractitioner takes only the appointment's practitioner's slots;
	// otherwise any practitioner of the clinic who gives the service.
	SamePractitioner bool
	Account          PatientAccount // who asks: the appointment's account
	Reference        string         // chosen by the caller, as any request's
	TokenHash        string
	Now              time.Time
}

// Request returns the place on the waitlist as a request to store: its
// person and contact are the appointment's (the channels chosen at
// booking, else the account's), its range from now to the appointment's
// start. An appointment that is not the account's reads as not found; one
// that is no longer booked, or already started, is a conflict.
func (in WaitlistInput) Request() (AppointmentRequest, error) {
	a, c := in.Appointment, in.Clinic
	switch {
	case a.AccountID == 0 || a.AccountID != in.Account.ID:
		return AppointmentRequest{}, Errorf(ENOTFOUND, "appointment %d", a.ID)
	case c.ID != a.Slot.ClinicID:
		return AppointmentRequest{}, fmt.Errorf("waitlist of appointment %d: clinic %d is not its clinic %d", a.ID, c.ID, a.Slot.ClinicID)
	case a.Status != Booked:
		return AppointmentRequest{}, &Error{Code: ECONFLICT, Field: "appointment", Detail: fmt.Sprintf("appointment %d is %s", a.ID, a.Status)}
	case !in.Now.Before(a.Slot.Start):
		return AppointmentRequest{}, &Error{Code: ECONFLICT, Field: "appointment", Detail: fmt.Sprintf("appointment %d already started", a.ID)}
	}
	p := a.Patient
	r := AppointmentRequest{
		Reference: in.Reference, FirstName: p.FirstName, LastName: p.LastName, BirthDate: p.BirthDate,
		HealthNumber: p.HealthNumber, Service: a.Slot.Service, Place: c.Name + ", " + c.City, Lat: c.Lat, Lon: c.Lon,
		Status: RequestOpen, ReceivedAt: in.Now, From: in.Now, To: a.Slot.Start, Scope: ScopeOwnClinic,
		AccountID: in.Account.ID, TokenHash: in.TokenHash,
		MovesAppointment: a.ID, ClinicID: a.Slot.ClinicID,
	}
	if in.SamePractitioner {
		r.PractitionerID = a.Slot.PractitionerID
	}
	if a.Notify.Email {
		r.Email, r.Language = a.Contact(ByEmail)
	}
	if a.Notify.SMS {
		var lang string
		r.Phone, lang = a.Contact(BySMS)
		if r.Language == "" {
			r.Language = lang
		}
	}
	if r.Email == "" && r.Phone == "" {
		r.Email, r.Phone, r.Language = in.Account.Email, in.Account.Phone, in.Account.Language
	}
	r.Language = messageLanguage(r.Language)
	return r, nil
}

// IsMove reports whether the request is a place on the waitlist: its
// accepted proposal moves an appointment.
func (r AppointmentRequest) IsMove() bool { return r.MovesAppointment != 0 }

// NeedsRoster reports whether the request may have slot s only if its
// patient is on the roster of the slot's clinic: every slot of an
// own-clinic request, but for a place on the waitlist only a kept slot
// (its clinic is the one its appointment is at, whoever booked there).
func (r AppointmentRequest) NeedsRoster(s Slot) bool {
	return r.Scope == ScopeOwnClinic && (!r.IsMove() || s.Audience != Public)
}

// CheckMove is the rule a store applies, in the transaction that adds a
// place on the waitlist, proposes it a slot or accepts that proposal, to
// the appointment the request moves as it stands: still booked, for the
// request's account, at the request's clinic and service, starting when
// the request's range ends (not moved since), and not started. Any other
// is ErrRequestNotOpen's kind of conflict (field "request"): the request
// no longer has anything to move.
func (r AppointmentRequest) CheckMove(a Appointment, now time.Time) error {
	switch {
	case a.ID != r.MovesAppointment:
		return fmt.Errorf("request %d moves appointment %d, not %d", r.ID, r.MovesAppointment, a.ID)
	case a.Status != Booked || a.AccountID != r.AccountID || a.Slot.ClinicID != r.ClinicID ||
		a.Slot.Service != r.Service || !a.Slot.Start.Equal(r.To) || !now.Before(a.Slot.Start):
		return ErrMoveEnded(r.ID, a.ID)
	}
	return nil
}

// ErrMoveEnded is the error of a place on the waitlist whose appointment
// was cancelled, moved otherwise or started: a conflict on the field
// "request", as a request that ended.
func ErrMoveEnded(requestID, appointmentID int64) error {
	return &Error{Code: ECONFLICT, Field: "request", Detail: fmt.Sprintf("request %d: appointment %d is no longer booked at its time", requestID, appointmentID)}
}

// ErrWaitlisted is the error of a second waiting place on the waitlist
// for one appointment: a conflict on the field "waitlist".
func ErrWaitlisted(appointmentID int64) error {
	return &Error{Code: ECONFLICT, Field: "waitlist", Detail: fmt.Sprintf("appointment %d is on the waitlist already", appointmentID)}
}
