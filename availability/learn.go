package availability

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"rdv"
)

// relearnEvery bounds how often a learner reloads the network for slots
// it cannot place: a slot whose clinic the store does not have either
// must not turn every change into a reload.
const relearnEvery = time.Second

// Network is what a Learner reads from the store: the clinics and the
// practitioners of the whole network.
type Network interface {
	Clinics(ctx context.Context) ([]rdv.Clinic, error)
	Practitioners(ctx context.Context) ([]rdv.Practitioner, error)
}

// Learner feeds committed slot changes to the index, first teaching it
// the clinics and practitioners it does not know yet: a clinic onboarded
// through another instance reaches this one only through its first slots.
type Learner struct {
	index   *Index
	network Network
	log     *slog.Logger

	mu      sync.Mutex // one reload at a time
	learned time.Time  // when the last reload ended
}

// NewLearner returns a learner that keeps index in step with network.
func NewLearner(index *Index, network Network, log *slog.Logger) *Learner {
	return &Learner{index: index, network: network, log: log}
}

// Follow runs w's watch until ctx ends, applying every change to the
// index; reloads of the network are done under ctx too, so they stop with
// the watch.
func (l *Learner) Follow(ctx context.Context, w rdv.SlotWatcher) error {
	return w.WatchSlots(ctx, func(ch rdv.SlotChanges) { l.apply(ctx, ch) })
}

// apply learns the network again if a freed slot's clinic or practitioner
// is unknown, then applies ch to the index.
func (l *Learner) apply(ctx context.Context, ch rdv.SlotChanges) {
	for _, s := range ch.Freed {
		if !l.index.Knows(s) {
			l.learn(ctx)
			break
		}
	}
	l.index.Apply(ch)
}

// learn reloads the clinics and practitioners from the store and adds
// the ones the index does not know.
func (l *Learner) learn(ctx context.Context) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if time.Since(l.learned) < relearnEvery {
		return
	}
	defer func() { l.learned = time.Now() }()
	clinics, err := l.network.Clinics(ctx)
	if err != nil {
		l.log.Error("learn onboarded clinics", "err", err)
		return
	}
	practitioners, err := l.network.Practitioners(ctx)
	if err != nil {
		l.log.Error("learn onboarded practitioners", "err", err)
		return
	}
	before := len(l.index.Clinics())
	byClinic := make(map[int64][]rdv.Practitioner)
	for _, p := range practitioners {
		byClinic[p.ClinicID] = append(byClinic[p.ClinicID], p)
	}
	for _, c := range clinics {
		l.index.AddClinic(c, byClinic[c.ID])
	}
	l.log.Info("learned the network again", "clinics_before", before, "clinics", len(l.index.Clinics()))
}
