package postgres

import (
	"context"
	"time"

	"rdv"
)

// Placeholders until the outbox is written: every method answers
// EUNAVAILABLE.

var errNotYet = rdv.Errorf(rdv.EUNAVAILABLE, "not yet")

func (s *Store) UndispatchedMessages(ctx context.Context, limit int) ([]rdv.Message, error) {
	return nil, errNotYet
}
func (s *Store) MarkDispatched(ctx context.Context, ids []int64) error { return errNotYet }
func (s *Store) Message(ctx context.Context, id int64) (rdv.Message, error) {
	return rdv.Message{}, errNotYet
}
func (s *Store) BeginSend(ctx context.Context, id int64, now time.Time) (rdv.Message, error) {
	return rdv.Message{}, errNotYet
}
func (s *Store) FinishSend(ctx context.Context, id int64, o rdv.SendOutcome) error { return errNotYet }
func (s *Store) Messages(ctx context.Context, f rdv.MessageFilter) ([]rdv.Message, error) {
	return nil, errNotYet
}
func (s *Store) Resend(ctx context.Context, id int64, now time.Time) error { return errNotYet }
func (s *Store) DeclareIncident(ctx context.Context, in rdv.Incident) (rdv.Incident, error) {
	return rdv.Incident{}, errNotYet
}
func (s *Store) Incidents(ctx context.Context) ([]rdv.Incident, error) { return nil, errNotYet }
