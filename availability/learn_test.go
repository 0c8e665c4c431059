package availability

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"rdv"
)

// storedNetwork stands for the store: the network as it is now, including
// clinics onboarded after the index was built. A reload honours its
// context as a store does.
type storedNetwork struct{ n *network }

func (s storedNetwork) Clinics(ctx context.Context) ([]rdv.Clinic, error) {
	return s.n.clinics, ctx.Err()
}

func (s storedNetwork) Practitioners(ctx context.Context) ([]rdv.Practitioner, error) {
	return s.n.practitioners, ctx.Err()
}

// replay is a slot watcher that hands its changes over in order, then
// returns as a watch does when its context ends.
type replay []rdv.SlotChanges

func (r replay) WatchSlots(ctx context.Context, apply func(rdv.SlotChanges)) error {
	for _, ch := range r {
		apply(ch)
	}
	return ctx.Err()
}

// TestLearnerTeachesOnboardedClinics feeds the index a slot of a clinic
// onboarded in the store after the index was built, as the slot watcher
// does when another instance onboarded it: the index learns the clinic
// from the store and the slot is found.
func TestLearnerTeachesOnboardedClinics(t *testing.T) {
	t.Parallel()
	n := smallNetwork()
	index := mustBuild(t, n)
	// Onboarded through another instance: in the store, not in the index.
	c := rdv.Clinic{ID: 40, Name: "Clinique de Gaspé", Lat: 48.8316, Lon: -64.4869, Services: []rdv.Service{rdv.General}}
	p := rdv.Practitioner{ID: 41, ClinicID: c.ID, Languages: []string{"fr"}}
	stored := &network{clinics: append(slices.Clone(n.clinics), c), practitioners: append(slices.Clone(n.practitioners), p)}
	at := n.start.AddDate(0, 0, 1).Add(9 * time.Hour)
	slot := rdv.Slot{ID: 1 << 40, ClinicID: c.ID, PractitionerID: p.ID, Service: rdv.General,
		Start: at, End: at.Add(15 * time.Minute), Audience: rdv.Public, State: rdv.SlotFree}
	q := Query{Lat: c.Lat, Lon: c.Lon, RadiusKm: 10, Service: rdv.General, From: at.Add(-time.Hour), Limit: 5}

	var logs bytes.Buffer
	learner := NewLearner(index, storedNetwork{stored}, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := t.Context()
	tests := []struct {
		name  string
		apply func(rdv.SlotChanges)
		want  []int64
	}{
		{"the bare index ignores the slot", index.Apply, nil},
		{"the learner teaches it the clinic", func(ch rdv.SlotChanges) { learner.apply(ctx, ch) }, []int64{slot.ID}},
		{"taken again", func(ch rdv.SlotChanges) { learner.apply(ctx, rdv.SlotChanges{Taken: ch.Freed}) }, nil},
		{"freed again without a reload", func(ch rdv.SlotChanges) { learner.apply(ctx, ch) }, []int64{slot.ID}},
	}
	for _, tt := range tests {
		tt.apply(rdv.SlotChanges{Freed: []rdv.Slot{slot}})
		if got := ids(index.Search(q, nil)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: search found %v, want %v", tt.name, got, tt.want)
		}
	}
	if got, ok := index.Clinic(c.ID); !ok || got.Name != c.Name {
		t.Errorf("index.Clinic(%d) = %+v, %v", c.ID, got, ok)
	}
	if n := bytes.Count(logs.Bytes(), []byte("learned the network again")); n != 1 {
		t.Errorf("the network was reloaded %d times, want once:\n%s", n, logs.String())
	}
}

// TestLearnerFollow runs the watch through Follow: its changes reach the
// index, and a reload runs under Follow's context, so that one stopped
// with it teaches nothing.
func TestLearnerFollow(t *testing.T) {
	t.Parallel()
	n := smallNetwork()
	c := rdv.Clinic{ID: 40, Name: "Verdun", Lat: 45.4585, Lon: -73.5698, Services: []rdv.Service{rdv.General}}
	p := rdv.Practitioner{ID: 41, ClinicID: c.ID, Languages: []string{"fr"}}
	stored := &network{clinics: append(slices.Clone(n.clinics), c), practitioners: append(slices.Clone(n.practitioners), p)}
	at := n.start.Add(7 * time.Hour) // earlier than every slot of smallNetwork
	slot := rdv.Slot{ID: 401, ClinicID: c.ID, PractitionerID: p.ID, Service: rdv.General,
		Start: at, End: at.Add(15 * time.Minute), Audience: rdv.Public, State: rdv.SlotFree}
	watch := replay{{Freed: []rdv.Slot{slot}}}
	q := Query{Lat: c.Lat, Lon: c.Lon, RadiusKm: 1, Service: rdv.General, From: n.start, Limit: 5}

	t.Run("running", func(t *testing.T) {
		index := mustBuild(t, n)
		if err := NewLearner(index, storedNetwork{stored}, slog.New(slog.DiscardHandler)).Follow(t.Context(), watch); err != nil {
			t.Fatalf("follow: %v", err)
		}
		if got := ids(index.Search(q, nil)); !slices.Equal(got, []int64{401}) {
			t.Errorf("search found %v, want the onboarded clinic's slot", got)
		}
	})
	t.Run("stopped", func(t *testing.T) {
		index := mustBuild(t, n)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		var logs bytes.Buffer
		err := NewLearner(index, storedNetwork{stored}, slog.New(slog.NewTextHandler(&logs, nil))).Follow(ctx, watch)
		if err == nil {
			t.Fatal("a stopped watch returned no error")
		}
		if _, ok := index.Clinic(c.ID); ok || !bytes.Contains(logs.Bytes(), []byte("learn onboarded clinics")) {
			t.Errorf("a reload under a stopped context taught the index (logs: %s)", logs.String())
		}
	})
}
