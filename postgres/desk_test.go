package postgres

import (
	"testing"
	"time"

	"rdv"
)

// TestDeskChangesReachOtherInstances: blocks, reopenings, added slots and
// plan changes made through one store reach the other's watcher, so every
// instance's index follows the desk.
func TestDeskChangesReachOtherInstances(t *testing.T) {
	a, b, n := loadedPair(t)
	seen := startWatch(t, b)
	ctx := t.Context()
	now := time.Now()
	id := freePublic(n, 1)[0]
	sl, err := a.Slot(ctx, id)
	if err != nil {
		t.Fatalf("slot: %v", err)
	}
	if _, _, err := a.SetSlotState(ctx, rdv.SlotStateRequest{ClinicID: sl.ClinicID, SlotID: id, State: rdv.SlotBlocked, Now: now}); err != nil {
		t.Fatalf("block: %v", err)
	}
	waitFor(t, 5*time.Second, "block through A seen by B", func() bool { s, free := seen.state(id); return s && !free })
	if _, _, err := a.SetSlotState(ctx, rdv.SlotStateRequest{ClinicID: sl.ClinicID, SlotID: id, State: rdv.SlotFree, Now: now}); err != nil {
		t.Fatalf("reopen: %v", err)
	}
	waitFor(t, 5*time.Second, "reopening through A seen by B", func() bool { s, free := seen.state(id); return s && free })

	day := rdv.DateOf(sl.Start)
	added, _, err := a.AddSlots(ctx, sl.ClinicID, []rdv.Slot{{PractitionerID: sl.PractitionerID, Service: rdv.Vaccination,
		Start: day.At(15*60, rdv.Toronto), End: day.At(15*60+10, rdv.Toronto)}})
	if err != nil {
		t.Fatalf("add slots: %v", err)
	}
	waitFor(t, 5*time.Second, "added slot seen by B", func() bool { s, free := seen.state(added[0].ID); return s && free })

	ch, err := a.SavePlan(ctx, rdv.PlanChange{ClinicID: sl.ClinicID, Plan: rdv.WorkingPlan{PractitionerID: sl.PractitionerID},
		From: day, To: day.AddDays(1), Now: now})
	if err != nil {
		t.Fatalf("save an empty plan: %v", err)
	}
	if len(ch.Taken) == 0 {
		t.Fatal("an empty plan withdrew no slot")
	}
	last := ch.Taken[len(ch.Taken)-1].ID
	waitFor(t, 5*time.Second, "withdrawn slots seen by B", func() bool { s, free := seen.state(last); return s && !free })
}
