package storetest

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"rdv"
	"rdv/auth"
)

// RawRows reads every row of a store's idempotency table straight from
// its database, as whoever copied the database would: each column's value
// as the database holds it.
type RawRows func(t *testing.T) [][][]byte

// RawReader is what the stores handed to Run offer besides rdv.Store, so
// that the suite can look at what they keep at rest.
type RawReader interface {
	// IdempotencyRows reads the store's idempotency table as RawRows does.
	IdempotencyRows(t *testing.T) [][][]byte
}

// runSealedReplays checks that the answers a store keeps for idempotent
// writes are readable only with their Idempotency-Key. The store must be
// a RawReader.
func runSealedReplays(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture, raw RawRows)
	}{
		{"NothingReadableAtRest", testNothingReadableAtRest},
		{"WrongKeyOpensNothing", testWrongKeyOpensNothing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, open)
			r, ok := f.store.(RawReader)
			if !ok {
				t.Fatalf("%T does not implement storetest.RawReader", f.store)
			}
			tt.fn(t, f, r.IdempotencyRows)
		})
	}
}

// secretPatient is a patient whose every detail is easy to spot in a
// column.
func secretPatient() rdv.Patient {
	p := TestPatient(4242)
	p.FirstName, p.LastName = "Gaétane", "Bouchard-Lemieux"
	p.Email, p.Phone = "gaetane.bouchard@example.org", "819-555-0142"
	return p
}

// testNothingReadableAtRest books, moves and cancels with keys, then reads
// the idempotency table as stored: no column holds the cancel token, the
// patient's details, a raw key or the body's hash. The replays still give
// the first answers, token included.
func testNothingReadableAtRest(t *testing.T, f *fixture, raw RawRows) {
	free := f.freePublic(2)
	p := secretPatient()
	holdKey := idem("POST /api/v1/holds", "cle-de-reprise-retenue-5f2a", "slot 1")
	hr := f.holdReq(free[0], "me")
	hr.Idem = holdKey
	h, _, err := f.store.PlaceHold(f.ctx, hr)
	if err != nil {
		t.Fatalf("hold: %v", err)
	}
	confirmKey := idem("POST /api/v1/appointments", "cle-de-reprise-confirmation-9c1e", "confirm "+p.HealthNumber)
	cr := f.confirmReq(h.ID, p)
	cr.CancelToken = "jeton-d-annulation-tres-secret-7d3b"
	cr.CancelTokenHash = auth.HashToken(cr.CancelToken)
	cr.Idem = confirmKey
	a, _, err := f.store.ConfirmHold(f.ctx, cr)
	if err != nil {
		t.Fatalf("confirm: %v", err)
	}
	h2 := f.mustHold(free[1], "me")
	moveKey := idem("POST /api/v1/appointments/{id}/reschedule", "cle-de-reprise-deplacement-41b7", "move")
	if _, _, err := f.store.Reschedule(f.ctx, rdv.RescheduleRequest{AppointmentID: a.ID, TokenHash: cr.CancelTokenHash,
		HoldID: h2.ID, Now: f.now, Idem: moveKey}); err != nil {
		t.Fatalf("reschedule: %v", err)
	}
	cancelKey := idem("POST /api/v1/appointments/{id}/cancel", "cle-de-reprise-annulation-e80d", "cancel")
	if _, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: a.ID, TokenHash: cr.CancelTokenHash,
		Now: f.now, Idem: cancelKey}); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	keys := []*rdv.IdemKey{holdKey, confirmKey, moveKey, cancelKey}

	secrets := map[string]string{
		"cancel token": cr.CancelToken, "health number": p.HealthNumber,
		"first name": p.FirstName, "last name": p.LastName, "email": p.Email, "phone": p.Phone,
	}
	for _, k := range keys {
		secrets["Idempotency-Key "+k.Key] = k.Key
		secrets["body hash of "+k.Key] = k.BodyHash
	}
	rows := raw(t)
	if len(rows) < len(keys) {
		t.Fatalf("idempotency table has %d rows after %d writes with keys", len(rows), len(keys))
	}
	for i, row := range rows {
		for j, col := range row {
			for what, s := range secrets {
				if holds(col, s) {
					t.Errorf("row %d, column %d holds the %s: %.60q", i, j, what, col)
				}
			}
		}
	}

	// The key opens its answer: the replay is the first confirmation.
	retry := f.confirmReq(h.ID, p)
	retry.Idem = confirmKey
	got, ch, err := f.store.ConfirmHold(f.ctx, retry)
	if err != nil || !ch.Replayed {
		t.Fatalf("replayed confirm: %+v, %v; want a replay", ch, err)
	}
	if got.ID != a.ID || got.CancelToken != cr.CancelToken || got.Patient.HealthNumber != p.HealthNumber ||
		got.Patient.LastName != p.LastName || got.Slot.ID != a.Slot.ID || got.Status != rdv.Booked {
		t.Fatalf("replayed appointment %+v, want %+v", got, a)
	}
	hr.HoldID = f.nextID("h")
	if h3, ch, err := f.store.PlaceHold(f.ctx, hr); err != nil || !ch.Replayed || h3.ID != h.ID {
		t.Fatalf("replayed hold %+v, %+v, %v; want hold %s replayed", h3, ch, err, h.ID)
	}
}

// holds reports whether a stored value holds s as text, as hex (how
// PostgreSQL shows bytes) or, for a hex string, as the bytes it encodes.
func holds(col []byte, s string) bool {
	lower := bytes.ToLower(col)
	if bytes.Contains(col, []byte(s)) || bytes.Contains(lower, []byte(strings.ToLower(s))) ||
		bytes.Contains(lower, []byte(hex.EncodeToString([]byte(s)))) {
		return true
	}
	b, err := hex.DecodeString(s)
	return err == nil && len(b) >= 8 && bytes.Contains(col, b)
}

// testWrongKeyOpensNothing: whoever knows a write's body but not its key
// gets the write run again, never the first answer; nor does the key in
// another scope.
func testWrongKeyOpensNothing(t *testing.T, f *fixture, _ RawRows) {
	free := f.freePublic(1)
	h := f.mustHold(free[0], "me")
	r := f.confirmReq(h.ID, secretPatient())
	r.Idem = idem("POST /api/v1/appointments", "la-bonne-cle", "confirm")
	a, _, err := f.store.ConfirmHold(f.ctx, r)
	if err != nil {
		t.Fatalf("confirm: %v", err)
	}
	for _, k := range []*rdv.IdemKey{
		idem("POST /api/v1/appointments", "la-mauvaise-cle", "confirm"),
		idem("POST /api/v1/appointments", "la-bonne-cle ", "confirm"),
		idem("POST /fhir/Appointment", "la-bonne-cle", "confirm"),
	} {
		guess := f.confirmReq(h.ID, secretPatient())
		guess.Idem = k
		got, ch, err := f.store.ConfirmHold(f.ctx, guess)
		if ch.Replayed || got.CancelToken == a.CancelToken {
			t.Fatalf("key %q of %s replayed %+v", k.Key, k.Scope, got)
		}
		// The hold is used: the write runs again and is refused.
		wantCode(t, "confirm with key "+k.Key+" of "+k.Scope, err, rdv.ECONFLICT)
	}
}
