package sqlite_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/sqlite"
	"rdv/storetest"
)

// fileHolds reports whether the database file at path, or its write-ahead
// log, holds s as text.
func fileHolds(t *testing.T, path, s string) bool {
	t.Helper()
	for _, name := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(name)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

// TestSealedInTheFile reads the database file's bytes: a database written
// in clear (before encryption) and then opened with keys keeps none of its
// patients' health numbers, names, phones or emails in clear, nor those of
// its messages, sign-in codes and refusals, nor those of a booking made
// after; a store without the keys refuses to open it. What was written in
// clear is still found by its destination.
func TestSealedInTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rdv.db")
	n := storetest.SmallNetwork(storetest.Start)
	const before, beforeName = "ecrit.avant@example.org", "Philomène-Avant"
	clear := mustOpenAt(t, path, sqlite.Options{})
	storetest.MustLoad(t, clear, n)
	writeClearMessages(t, clear, before, beforeName)
	if err := clear.Close(); err != nil {
		t.Fatal(err)
	}
	known := n.Patients[0]
	if !fileHolds(t, path, known.HealthNumber) {
		t.Fatalf("the database written without keys does not hold health number %s: the test reads the wrong file", known.HealthNumber)
	}
	if !fileHolds(t, path, before) {
		t.Fatalf("the database written without keys does not hold %s: the test reads the wrong file", before)
	}

	keys, _ := storetest.NewKeys(t)
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{Keys: keys})
	if err != nil {
		t.Fatalf("first open with keys: %v", err)
	}
	p := storetest.TestPatient(31337)
	p.Email, p.Phone = "gedeon.ouellet@example.org", "+15145550999"
	slot := int64(0)
	for sl, patient := range n.Slots {
		if patient == 0 && sl.Audience == rdv.Public {
			slot = sl.ID
			break
		}
	}
	now := storetest.Start.At(8*60, rdv.Toronto)
	h, _, err := s.PlaceHold(t.Context(), rdv.HoldRequest{HoldID: "h1", SlotID: slot, ClientKey: "c", TTL: time.Minute, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := s.ConfirmHold(t.Context(), rdv.ConfirmRequest{HoldID: h.ID, Patient: p, BookedBy: rdv.BySelf, Channel: rdv.API,
		CancelToken: "t", CancelTokenHash: auth.HashToken("t"), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Patient(t.Context(), 1); err != nil || got.HealthNumber == "" {
		t.Fatalf("a patient sealed at the first open reads back %+v, %v", got, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for what, v := range map[string]string{
		"health number": known.HealthNumber, "last name": known.LastName, "email": known.Email,
		"booking's health number": p.HealthNumber, "booking's last name": p.LastName, "booking's email": p.Email, "booking's phone": p.Phone,
		"messages' destination": before, "messages' name": beforeName,
	} {
		if v != "" && fileHolds(t, path, v) {
			t.Errorf("the database file holds the %s %q in clear", what, v)
		}
	}
	if _, err := sqlite.Open(t.Context(), path, sqlite.Options{}); err == nil {
		t.Fatal("a store without keys opened a database of sealed values")
	}
	again := mustOpenAt(t, path, sqlite.Options{Keys: keys})
	if got, err := again.Appointment(t.Context(), a.ID); err != nil || got.Patient.HealthNumber != p.HealthNumber {
		t.Fatalf("the booking reads back %+v, %v", got.Patient, err)
	}
	if r, err := again.RefusedDestination(t.Context(), rdv.ByEmail, before); err != nil || r.Error != "550 <"+before+">: no such user" {
		t.Fatalf("the refusal written in clear, found by its destination after: %+v, %v", r, err)
	}
	list, err := again.Messages(t.Context(), rdv.MessageFilter{Channel: rdv.ByEmail})
	if err != nil || len(list) < 2 || list[len(list)-1].To != before || list[len(list)-1].Body != "Bonjour "+beforeName {
		t.Fatalf("the messages written in clear read back %+v, %v", list, err)
	}
}

// writeClearMessages writes, in a store without keys, a sign-in code's
// message sent to to with a text naming name, and another bounced: a
// code, the messages and a refusal, all in clear.
func writeClearMessages(t *testing.T, s *sqlite.Store, to, name string) {
	t.Helper()
	ctx := t.Context()
	now := storetest.Start.At(7*60, rdv.Toronto)
	for i, o := range []rdv.SendOutcome{
		{Status: rdv.MessageSent, Subject: "Code pour " + name, Body: "Bonjour " + name, Now: now},
		{Status: rdv.MessageBounced, Error: "550 <" + to + ">: no such user", Now: now},
	} {
		code := fmt.Sprintf("12345%d", i)
		if err := s.IssueSignInCode(ctx, rdv.SignInCodeRequest{Channel: rdv.ByEmail, To: to, Code: code, CodeHash: "hash-" + code, Now: now}); err != nil {
			t.Fatalf("issue a code: %v", err)
		}
		ms, err := s.Messages(ctx, rdv.MessageFilter{Limit: 1})
		if err != nil || len(ms) != 1 {
			t.Fatalf("the code's message: %+v, %v", ms, err)
		}
		if _, err := s.BeginSend(ctx, ms[0].ID, now); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishSend(ctx, ms[0].ID, o); err != nil {
			t.Fatal(err)
		}
	}
}
