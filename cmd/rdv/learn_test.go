package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"rdv"
	"rdv/availability"
	"rdv/sqlite"
	"rdv/storetest"
)

// TestLearnerTeachesOnboardedClinics feeds the index a slot of a clinic
// onboarded in the store after the index was built, as the slot watcher
// does when another instance onboarded it: the index learns the clinic
// from the store and the slot is found.
func TestLearnerTeachesOnboardedClinics(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "rdv.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := rdv.DateOf(time.Now()).AddDays(1)
	storetest.MustLoad(t, s, storetest.SmallNetwork(start))
	index, err := buildIndex(ctx, s, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.CreateClinic(ctx, rdv.Clinic{Name: "Clinique de Gaspé", Address: "1 rue de la Reine", City: "Gaspé",
		Lat: 48.8316, Lon: -64.4869, Services: []rdv.Service{rdv.General}, Languages: []string{"fr"}, TimeZone: "America/Toronto"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.CreatePractitioner(ctx, rdv.Practitioner{ClinicID: c.ID, Name: "Dre Roy", Services: []rdv.Service{rdv.General}, Languages: []string{"fr"}, AcceptsNew: true})
	if err != nil {
		t.Fatal(err)
	}
	at := start.Start(rdv.Toronto).Add(9 * time.Hour)
	slot := rdv.Slot{ID: 1 << 40, ClinicID: c.ID, PractitionerID: p.ID, Service: rdv.General,
		Start: at, End: at.Add(15 * time.Minute), Audience: rdv.Public, State: rdv.SlotFree}
	q := availability.Query{Lat: c.Lat, Lon: c.Lon, RadiusKm: 10, Service: rdv.General, From: at.Add(-time.Hour), Limit: 5}

	var logs bytes.Buffer
	learner := &networkLearner{ctx: ctx, store: s, index: index, log: slog.New(slog.NewTextHandler(&logs, nil))}
	tests := []struct {
		name  string
		apply func(rdv.SlotChanges)
		want  []int64
	}{
		{"the bare index ignores the slot", index.Apply, nil},
		{"the learner teaches it the clinic", learner.apply, []int64{slot.ID}},
		{"taken again", func(ch rdv.SlotChanges) { learner.apply(rdv.SlotChanges{Taken: ch.Freed}) }, nil},
		{"freed again without a reload", learner.apply, []int64{slot.ID}},
	}
	for _, tt := range tests {
		tt.apply(rdv.SlotChanges{Freed: []rdv.Slot{slot}})
		var got []int64
		for _, r := range index.Search(q, nil) {
			got = append(got, r.SlotID)
		}
		if !slices.Equal(got, tt.want) {
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
