package sqlite

import (
	"context"
	"fmt"

	"rdv"
)

// IncidentReach counts what DeclareIncident would write for in now, from
// the same reading of the appointments (bookedIn) on the read pool.
func (s *Store) IncidentReach(ctx context.Context, in rdv.Incident) (rdv.IncidentReach, error) {
	if err := in.Validate(); err != nil {
		return rdv.IncidentReach{}, fmt.Errorf("incident reach: %w", err)
	}
	// The instants as DeclareIncident stores them.
	in.From, in.To, in.DeclaredAt = fromMillis(millis(in.From)), fromMillis(millis(in.To)), fromMillis(millis(in.DeclaredAt))
	touched, err := bookedIn(s.r(ctx), in)
	if err != nil {
		return rdv.IncidentReach{}, fmt.Errorf("incident reach: %w", err)
	}
	return in.Reach(touched), nil
}
