package spool_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"rdv"
	"rdv/spool"
	"rdv/storetest"
)

// TestSpoolSealed: with keys, the spool file holds no name, health number,
// phone, email or birth date of the requests it keeps, and the replay
// stores them whole; a spool reopened without the keys stops its replay
// at the first sealed record rather than store it sealed or skip it.
func TestSpoolSealed(t *testing.T) {
	db := newDatabase(t)
	keys, _ := storetest.NewKeys(t)
	path := filepath.Join(t.TempDir(), "requests.spool")
	sp, err := spool.Open(path, db, spool.Options{Log: quiet(), Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	r := sample(7)
	r.LastName, r.Email, r.Phone = "Bergeron-Lachance", "heloise.bergeron@example.org", "+18195550166"
	accepted, err := sp.Accept(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	if err := sp.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for what, v := range map[string]string{"last name": r.LastName, "first name": r.FirstName, "health number": r.HealthNumber,
		"email": r.Email, "phone": r.Phone, "birth date": r.BirthDate.String()} {
		if bytes.Contains(raw, []byte(v)) {
			t.Errorf("the spool file holds the %s %q in clear", what, v)
		}
	}

	blind, err := spool.Open(path, db, spool.Options{Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	_ = blind.Run(ctx)
	cancel()
	if list, err := db.Requests(t.Context(), "", 10); err != nil || len(list) != 0 || blind.Pending() != 1 {
		t.Fatalf("a replay without keys stored %d requests (%v), left %d spooled; want none stored, one left", len(list), err, blind.Pending())
	}
	blind.Close()

	again, err := spool.Open(path, db, spool.Options{Log: quiet(), Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	runReplayer(t, again)
	waitReplayed(t, again)
	checkStoredOnce(t, db, []rdv.AppointmentRequest{accepted})
	list, err := db.Requests(t.Context(), "", 10)
	if err != nil || len(list) != 1 || list[0].HealthNumber != r.HealthNumber || list[0].Email != r.Email || list[0].BirthDate != r.BirthDate {
		t.Fatalf("replayed request %+v, %v; want the one accepted", list, err)
	}
}
