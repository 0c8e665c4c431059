package postgres

import (
	"context"
	"time"

	"rdv"
)

// Placeholders until patient accounts are written: every method answers
// EUNAVAILABLE.

func (s *Store) IssueSignInCode(ctx context.Context, r rdv.SignInCodeRequest) error { return errNotYet }
func (s *Store) VerifySignInCode(ctx context.Context, r rdv.VerifyCodeRequest) (rdv.PatientAccount, error) {
	return rdv.PatientAccount{}, errNotYet
}
func (s *Store) PatientSessionByTokenHash(ctx context.Context, hash string, now time.Time) (rdv.PatientSession, rdv.PatientAccount, error) {
	return rdv.PatientSession{}, rdv.PatientAccount{}, errNotYet
}
func (s *Store) DeletePatientSession(ctx context.Context, hash string) error { return errNotYet }
func (s *Store) PatientAccount(ctx context.Context, id int64) (rdv.PatientAccount, error) {
	return rdv.PatientAccount{}, errNotYet
}
func (s *Store) UpdatePatientAccount(ctx context.Context, a rdv.PatientAccount) error {
	return errNotYet
}
func (s *Store) AccountAppointments(ctx context.Context, accountID int64) ([]rdv.Appointment, error) {
	return nil, errNotYet
}
func (s *Store) People(ctx context.Context, accountID int64) ([]rdv.Person, error) {
	return nil, errNotYet
}
func (s *Store) SavePerson(ctx context.Context, p rdv.Person) (rdv.Person, error) {
	return rdv.Person{}, errNotYet
}
func (s *Store) RemovePerson(ctx context.Context, accountID, personID int64) error { return errNotYet }
func (s *Store) AddToRoster(ctx context.Context, e rdv.RosterEntry) (rdv.RosterEntry, error) {
	return rdv.RosterEntry{}, errNotYet
}
func (s *Store) RemoveFromRoster(ctx context.Context, clinicID, patientID int64) error {
	return errNotYet
}
func (s *Store) Roster(ctx context.Context, clinicID int64) ([]rdv.RosterEntry, error) {
	return nil, errNotYet
}
func (s *Store) RosteredClinics(ctx context.Context, healthNumbers []string) ([]int64, error) {
	return nil, errNotYet
}
