package spool_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"rdv"
	"rdv/spool"
	"rdv/storetest"
)

// TestSpoolKeepsWhoFiled: a request spooled by a signed-in patient is
// stored, when replayed, in that patient's name: the trail's entry says
// who filed it and from where, not the replayer; the spool file keeps
// the address sealed.
func TestSpoolKeepsWhoFiled(t *testing.T) {
	db := newDatabase(t)
	keys, _ := storetest.NewKeys(t)
	path := filepath.Join(t.TempDir(), "requests.spool")
	sp, err := spool.Open(path, db, spool.Options{Log: quiet(), Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	filer := rdv.Actor{Kind: rdv.ActorPatient, ID: 42, Address: "203.0.113.77"}
	accepted, err := sp.Accept(rdv.WithActor(t.Context(), filer), sample(3))
	if err != nil {
		t.Fatal(err)
	}
	anonymous, err := sp.Accept(t.Context(), sample(4))
	if err != nil {
		t.Fatal(err)
	}
	if raw, err := os.ReadFile(path); err != nil || bytes.Contains(raw, []byte(filer.Address)) {
		t.Fatalf("the spool file holds the filer's address in clear (%v)", err)
	}
	runReplayer(t, sp)
	waitReplayed(t, sp)
	es, err := db.store().AuditEvents(t.Context(), rdv.AuditQuery{Action: rdv.AuditRequestFile})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 {
		t.Fatalf("events of the filed requests: %+v, want two", es)
	}
	for i, want := range []struct {
		ref string
		by  rdv.Actor
	}{{anonymous.Reference, rdv.Actor{Kind: rdv.ActorSystem}}, {accepted.Reference, filer}} {
		e := es[i]
		stored, err := db.store().Request(t.Context(), e.Records.Requests[0])
		if err != nil || stored.Reference != want.ref || e.Actor != want.by || !e.At.Equal(stored.ReceivedAt) {
			t.Errorf("event %d: %+v of request %+v (%v), want request %s filed by %+v", i, e, stored.Reference, err, want.ref, want.by)
		}
	}
}
