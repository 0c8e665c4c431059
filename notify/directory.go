package notify

import (
	"context"
	"fmt"
	"sync"
	"time"

	"rdv"
)

// directoryMaxAge is how long the worker trusts its copy of the clinics,
// practitioners and incidents: a renamed clinic shows in messages within
// it, and a new one at once (a miss reloads).
const directoryMaxAge = time.Minute

// directory is the worker's copy of what messages name besides their
// appointment: clinics, practitioners' names, incidents. They change
// rarely, and a message read from the store each time would cost three
// reads of whole tables.
type directory struct {
	store rdv.Store

	mu            sync.Mutex
	loaded        time.Time
	clinics       map[int64]rdv.Clinic
	practitioners map[int64]string
	incidents     map[int64]rdv.Incident
}

func newDirectory(s rdv.Store) *directory { return &directory{store: s} }

func (d *directory) clinic(ctx context.Context, id int64) (rdv.Clinic, error) {
	var c rdv.Clinic
	err := d.find(ctx, func() bool { var ok bool; c, ok = d.clinics[id]; return ok })
	if err != nil {
		return c, fmt.Errorf("clinic %d: %w", id, err)
	}
	return c, nil
}

func (d *directory) practitioner(ctx context.Context, id int64) (string, error) {
	var name string
	err := d.find(ctx, func() bool { var ok bool; name, ok = d.practitioners[id]; return ok })
	if err != nil {
		return "", fmt.Errorf("practitioner %d: %w", id, err)
	}
	return name, nil
}

func (d *directory) incident(ctx context.Context, id int64) (rdv.Incident, error) {
	var in rdv.Incident
	err := d.find(ctx, func() bool { var ok bool; in, ok = d.incidents[id]; return ok })
	if err != nil {
		return in, fmt.Errorf("incident %d: %w", id, err)
	}
	return in, nil
}

// find runs lookup on a fresh enough copy, reloading it once when it is
// old or lookup misses; a miss after reloading is ENOTFOUND.
func (d *directory) find(ctx context.Context, lookup func() bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if time.Since(d.loaded) < directoryMaxAge && lookup() {
		return nil
	}
	if err := d.reload(ctx); err != nil {
		return err
	}
	if !lookup() {
		return rdv.Errorf(rdv.ENOTFOUND, "not found")
	}
	return nil
}

func (d *directory) reload(ctx context.Context) error {
	clinics, err := d.store.Clinics(ctx)
	if err != nil {
		return fmt.Errorf("load clinics: %w", err)
	}
	practitioners, err := d.store.Practitioners(ctx)
	if err != nil {
		return fmt.Errorf("load practitioners: %w", err)
	}
	incidents, err := d.store.Incidents(ctx)
	if err != nil {
		return fmt.Errorf("load incidents: %w", err)
	}
	d.clinics = make(map[int64]rdv.Clinic, len(clinics))
	for _, c := range clinics {
		d.clinics[c.ID] = c
	}
	d.practitioners = make(map[int64]string, len(practitioners))
	for _, p := range practitioners {
		d.practitioners[p.ID] = p.Name
	}
	d.incidents = make(map[int64]rdv.Incident, len(incidents))
	for _, in := range incidents {
		d.incidents[in.ID] = in
	}
	d.loaded = time.Now()
	return nil
}
