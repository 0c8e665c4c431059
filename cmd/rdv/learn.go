package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"rdv"
	"rdv/availability"
)

// relearnEvery bounds how often an instance reloads the network for slots
// it cannot place: a slot whose clinic the store does not have either
// must not turn every change into a reload.
const relearnEvery = time.Second

// networkLearner feeds committed slot changes to the index, first teaching
// it the clinics and practitioners it does not know yet: a clinic
// onboarded through another instance reaches this one only through its
// first slots.
type networkLearner struct {
	ctx   context.Context
	store rdv.Store
	index *availability.Index
	log   *slog.Logger

	mu      sync.Mutex // one reload at a time
	learned time.Time  // when the last reload ended
}

// apply is the function to give the slot watcher in place of index.Apply.
func (l *networkLearner) apply(ch rdv.SlotChanges) {
	for _, s := range ch.Freed {
		if !l.index.Knows(s) {
			l.learn()
			break
		}
	}
	l.index.Apply(ch)
}

// learn reloads the clinics and practitioners from the store and adds
// the ones the index does not know.
func (l *networkLearner) learn() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if time.Since(l.learned) < relearnEvery {
		return
	}
	defer func() { l.learned = time.Now() }()
	clinics, err := l.store.Clinics(l.ctx)
	if err != nil {
		l.log.Error("learn onboarded clinics", "err", err)
		return
	}
	practitioners, err := l.store.Practitioners(l.ctx)
	if err != nil {
		l.log.Error("learn onboarded practitioners", "err", err)
		return
	}
	before := len(l.index.Clinics())
	addNetwork(l.index, clinics, practitioners)
	l.log.Info("learned the network again", "clinics_before", before, "clinics", len(l.index.Clinics()))
}

// addNetwork adds to the index the clinics and practitioners it does not
// know.
func addNetwork(index *availability.Index, clinics []rdv.Clinic, practitioners []rdv.Practitioner) {
	byClinic := make(map[int64][]rdv.Practitioner)
	for _, p := range practitioners {
		byClinic[p.ClinicID] = append(byClinic[p.ClinicID], p)
	}
	for _, c := range clinics {
		index.AddClinic(c, byClinic[c.ID])
	}
}
