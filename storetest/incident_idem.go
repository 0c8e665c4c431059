package storetest

import (
	"testing"
	"time"

	"rdv"
)

// testMessagesIncidentOnce: an incident declared twice with the same key
// (a double click, the confirmation posted again) is one incident and its
// patients are told once; the second answer is the first incident. The
// same key with another incident is refused, and another key declares
// anew.
func testMessagesIncidentOnce(t *testing.T, f *fixture) {
	told := f.mustBookNotified(f.freeSlot(2, 1, rdv.Public, 0).ID, nil)
	in := rdv.Incident{ClinicIDs: []int64{1}, From: told.Slot.Start, To: told.Slot.End, TextFR: "Panne.", TextEN: "Outage.",
		DeclaredAt: f.now, Idem: idem("web POST /operateur/incidents", "k-outage", "clinic 1, the morning")}
	first, err := f.store.DeclareIncident(f.ctx, in)
	if err != nil || first.ID == 0 || first.Notified != 2 {
		t.Fatalf("declare incident: %+v, %v; want 2 notices", first, err)
	}
	// Posted again a minute later: the same incident, nothing more.
	again := in
	again.DeclaredAt = f.now.Add(time.Minute)
	second, err := f.store.DeclareIncident(f.ctx, again)
	if err != nil || second.ID != first.ID || second.Notified != first.Notified {
		t.Fatalf("declared again with the same key: %+v, %v; want incident %d", second, err, first.ID)
	}
	if second.Idem != nil {
		t.Fatalf("the replayed incident carries its key %+v", second.Idem)
	}
	count := func() (incidents, notices int) {
		t.Helper()
		list, err := f.store.Incidents(f.ctx)
		if err != nil {
			t.Fatalf("incidents: %v", err)
		}
		for _, m := range f.messages(told.ID) {
			if m.Kind == rdv.MessageOutage {
				notices++
			}
		}
		return len(list), notices
	}
	if n, m := count(); n != 1 || m != 2 {
		t.Fatalf("after the same key twice: %d incidents, %d notices; want 1 and 2", n, m)
	}

	other := in
	other.Idem = idem(in.Idem.Scope, in.Idem.Key, "clinic 1, the afternoon")
	if _, err := f.store.DeclareIncident(f.ctx, other); rdv.ErrorCode(err) != rdv.EIDEMPOTENCY {
		t.Fatalf("the same key with another incident: %v, want %s", err, rdv.EIDEMPOTENCY)
	}
	fresh := in
	fresh.Idem = idem(in.Idem.Scope, "k-another", "clinic 1, the morning")
	if out, err := f.store.DeclareIncident(f.ctx, fresh); err != nil || out.ID == first.ID {
		t.Fatalf("another key: %+v, %v; want a new incident", out, err)
	}
	if n, m := count(); n != 2 || m != 4 {
		t.Fatalf("after another key: %d incidents, %d notices; want 2 and 4", n, m)
	}
}
