package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"rdv"
)

// IncidentReach counts what DeclareIncident would write for in now, from
// the same reading of the appointments (bookedIn), in a transaction that
// writes nothing.
func (s *Store) IncidentReach(ctx context.Context, in rdv.Incident) (rdv.IncidentReach, error) {
	if err := in.Validate(); err != nil {
		return rdv.IncidentReach{}, fmt.Errorf("incident reach: %w", err)
	}
	// The instants as DeclareIncident stores them.
	in.From, in.To, in.DeclaredAt = dbTime(in.From), dbTime(in.To), dbTime(in.DeclaredAt)
	clinics := in.ClinicIDs
	if clinics == nil {
		clinics = []int64{} // every clinic
	}
	var touched []rdv.Appointment
	err := s.inTx(ctx, "incident reach", func(tx pgx.Tx) (err error) {
		touched, err = bookedIn(ctx, tx, in, clinics)
		return err
	})
	if err != nil {
		return rdv.IncidentReach{}, err
	}
	return in.Reach(touched), nil
}
