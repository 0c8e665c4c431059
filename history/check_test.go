package history_test

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/auth"
	"rdv/history"
	"rdv/postgres"
	"rdv/postgres/pgtest"
	"rdv/sqlite"
	"rdv/storetest"
)

// TestCheck runs a small clean history against a real database, then
// plants one broken promise at a time, in the database (plain SQL around
// the store, as a bug would) or in the history, and wants the checker to
// report exactly it. Both stores, as the fault runs use both.
func TestCheck(t *testing.T) {
	type plant func(f *fixture)
	tests := []struct {
		name  string
		plant plant
		want  map[history.Kind]int
	}{
		{"Clean", nil, nil},
		{"DoubleBooking", func(f *fixture) {
			// Without the index, the store books a slot it finds free.
			f.db.exec(f.t, "DROP INDEX appointments_one_active_per_slot")
			f.db.exec(f.t, fmt.Sprintf(f.db.freeSlot, f.bookedSlot))
			f.book(f.bookedSlot, 90)
		}, map[history.Kind]int{history.DoubleBooking: 1}},
		{"LostBooking", func(f *fixture) {
			f.db.exec(f.t, fmt.Sprintf("DELETE FROM appointments WHERE id = %d", f.booked))
			f.db.exec(f.t, fmt.Sprintf(f.db.freeSlot, f.bookedSlot))
		}, map[history.Kind]int{history.LostBooking: 1}},
		{"DuplicatedEffect", func(f *fixture) {
			// The acknowledged booking's patient booked a second time.
			f.book(7, 1)
		}, map[history.Kind]int{history.TwoEffects: 1}},
		{"ReplayAnsweredOtherwise", func(f *fixture) {
			e := f.last(history.OpBook, "k-b1")
			e.IDs.Appointment = f.booked + 1000
			f.entries = append(f.entries, e)
		}, map[history.Kind]int{history.TwoEffects: 1}},
		{"KeySentAgainWithAnotherBodyDone", func(f *fixture) {
			// The key of the acknowledged booking, sent again for another
			// patient and refused; yet that patient is booked too.
			e := f.last(history.OpBook, "k-b1")
			e.Request.Mark, e.Outcome, e.IDs = storetest.TestPatient(5).LastName, history.Outcome{Status: 422, Code: rdv.EIDEMPOTENCY}, history.IDs{}
			f.entries = append(f.entries, e)
			f.book(7, 5)
		}, map[history.Kind]int{history.TwoEffects: 1, history.RefusedDone: 1}},
		{"CancellationUndone", func(f *fixture) {
			f.db.exec(f.t, fmt.Sprintf("UPDATE appointments SET status = 'booked' WHERE id = %d", f.cancelled))
			f.db.exec(f.t, fmt.Sprintf("UPDATE slots SET state = 'booked' WHERE id = %d", f.cancelledSlot))
		}, map[history.Kind]int{history.StillActive: 1}},
		{"RefusedBookingDone", func(f *fixture) {
			f.book(f.refusedSlot, 3)
		}, map[history.Kind]int{history.RefusedDone: 1}},
		{"RequestStoredTwice", func(f *fixture) {
			r := f.request
			r.ID, r.Reference = 0, "D-TWIC-E000-0001"
			if _, err := f.db.store.AddRequest(f.ctx, r); err != nil {
				f.t.Fatal(err)
			}
		}, map[history.Kind]int{history.StoredTwice: 1}},
		{"RequestNeverStored", func(f *fixture) {
			f.entries = append(f.entries, history.Entry{Client: 2, Op: history.OpRequest, Request: history.Request{Mark: "demande perdue"},
				Outcome: history.Outcome{Status: 201}, IDs: history.IDs{Reference: "D-LOST-0000-0001"}})
		}, map[history.Kind]int{history.NeverStored: 1}},
		{"ProposalOutsideCriteria", func(f *fixture) {
			// Québec's first public slot, 230 km from the request's 5.
			f.db.exec(f.t, fmt.Sprintf("UPDATE proposals SET slot_id = 101 WHERE id = '%s'", f.proposal))
		}, map[history.Kind]int{history.OutsideCriteria: 1}},
	}
	for _, backend := range []struct {
		name string
		open func(t *testing.T) *database
	}{{"SQLite", openSQLite}, {"PostgreSQL", openPostgres}} {
		t.Run(backend.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					f := newFixture(t, backend.open(t))
					if tt.plant != nil {
						tt.plant(f)
					}
					got, err := history.Check(f.ctx, f.entries, f.db.store, f.span)
					if err != nil {
						t.Fatal(err)
					}
					counts := map[history.Kind]int{}
					for _, a := range got.Anomalies {
						counts[a.Kind]++
					}
					if !maps.Equal(counts, tt.want) && !(len(counts) == 0 && len(tt.want) == 0) {
						t.Fatalf("anomalies %v, want %v\n%s", counts, tt.want, got)
					}
					wantAcked := map[history.Op]int{history.OpHold: 4, history.OpBook: 3, history.OpCancel: 1, history.OpRequest: 1}
					if tt.name == "RequestNeverStored" {
						wantAcked[history.OpRequest]++
					}
					if !maps.Equal(got.Acked, wantAcked) {
						t.Errorf("acknowledged %v, want %v", got.Acked, wantAcked)
					}
				})
			}
		})
	}
}

// TestRecorderRoundTrip: what a recorder writes, Read reads back.
func TestRecorderRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "client.jsonl")
	r, err := history.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2031, 3, 2, 12, 0, 0, 0, time.UTC)
	want := []history.Entry{
		{Client: 1, Op: history.OpHold, Key: "k1", Slot: 3, Outcome: history.Outcome{Status: 201}, IDs: history.IDs{Hold: "h", Slot: 3}, Sent: at, Answered: at.Add(time.Millisecond)},
		{Client: 1, Op: history.OpBook, Key: "k2", Slot: 3, Request: history.Request{Hold: "h", Mark: "Essai 1"}, Outcome: history.Outcome{Error: "EOF"}, Sent: at, Answered: at},
	}
	for _, e := range want {
		if err := r.Record(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := history.ReadFiles(path)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("read back %+v, want %+v", got, want)
	}
	if !got[1].Outcome.Unknown() || !got[0].Outcome.Acked() {
		t.Fatalf("outcomes misread: %+v", got)
	}
}

// database is a store under test and a back door around it: plain SQL,
// as a bug or an attacker would write.
type database struct {
	store rdv.Store
	exec  func(t *testing.T, query string)
	// freeSlot is the statement that frees slot %d.
	freeSlot string
}

func openSQLite(t *testing.T) *database {
	path := filepath.Join(t.TempDir(), "rdv.db")
	keys, _ := storetest.NewKeys(t)
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	// Without foreign_keys: a row goes whatever refers to it.
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return &database{store: s, freeSlot: "UPDATE slots SET state = 'free', hold_id = NULL, hold_expires = 0 WHERE id = %d",
		exec: func(t *testing.T, q string) {
			t.Helper()
			if _, err := raw.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}}
}

func openPostgres(t *testing.T) *database {
	url := pgtest.CreateMigratedDB(t, postgres.Migrate)
	keys, _ := storetest.NewKeys(t)
	s, err := postgres.Open(t.Context(), url, postgres.Options{MaxConns: 4, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	raw, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close(context.Background()) })
	// Without triggers and foreign keys: a row goes whatever refers to it.
	if _, err := raw.Exec(t.Context(), "SET session_replication_role = replica"); err != nil {
		t.Fatal(err)
	}
	return &database{store: s, freeSlot: "UPDATE slots SET state = 'free', hold_id = NULL, hold_expires = NULL WHERE id = %d",
		exec: func(t *testing.T, q string) {
			t.Helper()
			if _, err := raw.Exec(t.Context(), q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}}
}

// fixture is a clean run on the small network, written as the fault
// runs' clients write theirs, straight on the store: a hold and its
// booking whose first answer was lost and whose retry replayed it; a
// hold refused, the slot being taken; a booking cancelled; another
// cancelled whose cancellation's answer was lost; a booking refused, its
// hold run out; a request acknowledged, and a proposal the matcher made
// it.
type fixture struct {
	t       *testing.T
	ctx     context.Context
	db      *database
	now     time.Time
	span    history.Span
	entries []history.Entry

	booked, bookedSlot       int64 // the booking whose answer was replayed
	cancelled, cancelledSlot int64
	refusedSlot              int64
	request                  rdv.AppointmentRequest
	proposal                 string
}

func newFixture(t *testing.T, db *database) *fixture {
	f := &fixture{t: t, ctx: t.Context(), db: db, now: time.Date(2031, 3, 2, 12, 0, 0, 0, time.UTC)}
	n := storetest.SmallNetwork(storetest.Start)
	storetest.MustLoad(t, db.store, n)
	f.span = history.Span{From: storetest.Start.Start(rdv.Toronto), To: storetest.Start.AddDays(3).Start(rdv.Toronto)}

	// Slots 3 to 7 are public general consultations of the Plateau.
	hold := f.hold(1, "k-h1", 3)
	f.booked = f.confirm(1, "k-b1", 3, hold, 1, true)
	f.bookedSlot = 3
	f.hold(2, "k-h2", 3) // taken
	hold = f.hold(1, "k-h3", 4)
	f.cancelled, f.cancelledSlot = f.confirm(1, "k-b3", 4, hold, 2, false), 4
	f.cancel(1, "k-c3", f.cancelled, "token-k-b3", false)
	// A cancellation done, whose answer was lost.
	hold = f.hold(1, "k-h5", 8)
	f.cancel(1, "k-c5", f.confirm(1, "k-b5", 8, hold, 4, false), "token-k-b5", true)
	hold = f.hold(2, "k-h4", 5)
	f.now = f.now.Add(10 * time.Minute) // the hold runs out
	f.refusedSlot = 5
	f.confirm(2, "k-b4", 5, hold, 3, false)

	f.request = storetest.MatchRequest("D-REQU-EST0-0001", f.now)
	f.request.Availability = "demande 1"
	stored, err := db.store.AddRequest(f.ctx, f.request)
	f.log(2, history.OpRequest, "", 0, history.Request{Mark: f.request.Availability}, err, history.IDs{Reference: stored.Reference})
	f.request = stored
	token := auth.RandomToken(16)
	p, _, err := db.store.Propose(f.ctx, rdv.ProposeRequest{ProposalID: "p-1", RequestID: stored.ID, SlotID: 6,
		TTL: rdv.DefaultProposalTTL, Now: f.now, Token: token, TokenHash: auth.HashToken(token)})
	if err != nil {
		t.Fatalf("propose: %v", err)
	}
	f.proposal = p.ID
	return f
}

func (f *fixture) hold(client int, key string, slot int64) string {
	f.t.Helper()
	id := fmt.Sprintf("hold-%s", key)
	h, _, err := f.db.store.PlaceHold(f.ctx, rdv.HoldRequest{HoldID: id, SlotID: slot, ClientKey: fmt.Sprint(client),
		TTL: 5 * time.Minute, Now: f.now, Idem: idem("POST /api/v1/holds", key, slot)})
	f.log(client, history.OpHold, key, slot, history.Request{}, err, history.IDs{Hold: h.ID, Slot: h.SlotID})
	return h.ID
}

// confirm books hold for storetest.TestPatient(patient); with lostAnswer,
// the first answer is logged as never come, and the retry with the same
// key is the store's replay.
func (f *fixture) confirm(client int, key string, slot int64, hold string, patient int, lostAnswer bool) int64 {
	f.t.Helper()
	p := storetest.TestPatient(patient)
	req := history.Request{Hold: hold, Mark: p.LastName}
	var a rdv.Appointment
	var err error
	for attempt := 0; attempt <= map[bool]int{true: 1}[lostAnswer]; attempt++ {
		token := "token-" + key
		a, _, err = f.db.store.ConfirmHold(f.ctx, rdv.ConfirmRequest{HoldID: hold, Patient: p, BookedBy: rdv.BySelf, Channel: rdv.API,
			CancelToken: token, CancelTokenHash: auth.HashToken(token), Now: f.now, Idem: idem("POST /api/v1/appointments", key, hold)})
		if attempt == 0 && lostAnswer {
			f.entries = append(f.entries, history.Entry{Client: client, Op: history.OpBook, Key: key, Slot: slot, Request: req,
				Outcome: history.Outcome{Error: "connection reset by peer"}})
			continue
		}
		f.log(client, history.OpBook, key, slot, req, err, history.IDs{Appointment: a.ID, Slot: a.Slot.ID})
	}
	return a.ID
}

func (f *fixture) cancel(client int, key string, appt int64, token string, lostAnswer bool) {
	f.t.Helper()
	_, _, err := f.db.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: appt, TokenHash: auth.HashToken(token), Now: f.now,
		Idem: idem("POST /api/v1/appointments/{id}/cancel", key, appt)})
	if err != nil {
		f.t.Fatalf("cancel: %v", err)
	}
	if lostAnswer {
		f.entries = append(f.entries, history.Entry{Client: client, Op: history.OpCancel, Key: key, Request: history.Request{Appointment: appt},
			Outcome: history.Outcome{Error: "EOF"}})
		return
	}
	f.log(client, history.OpCancel, key, 0, history.Request{Appointment: appt}, nil, history.IDs{Appointment: appt})
}

// book books slot for storetest.TestPatient(patient) behind the
// history's back.
func (f *fixture) book(slot int64, patient int) {
	f.t.Helper()
	id := fmt.Sprintf("intruder-%d-%d", slot, patient)
	if _, _, err := f.db.store.PlaceHold(f.ctx, rdv.HoldRequest{HoldID: id, SlotID: slot, ClientKey: "x", TTL: time.Minute, Now: f.now}); err != nil {
		f.t.Fatalf("hold slot %d: %v", slot, err)
	}
	if _, _, err := f.db.store.ConfirmHold(f.ctx, rdv.ConfirmRequest{HoldID: id, Patient: storetest.TestPatient(patient), BookedBy: rdv.BySelf,
		Channel: rdv.API, CancelTokenHash: auth.HashToken(id), Now: f.now}); err != nil {
		f.t.Fatalf("book slot %d: %v", slot, err)
	}
}

// log records an attempt with the status the API would have answered.
func (f *fixture) log(client int, op history.Op, key string, slot int64, req history.Request, err error, ids history.IDs) {
	status := map[history.Op]int{history.OpCancel: 200}[op]
	if status == 0 {
		status = 201
	}
	if err != nil {
		ids = history.IDs{}
		status = map[string]int{rdv.ESLOTTAKEN: 409, rdv.EGONE: 410, rdv.ECONFLICT: 409, rdv.ENOTFOUND: 404}[rdv.ErrorCode(err)]
		if status == 0 {
			f.t.Fatalf("%s %s: %v", op, key, err)
		}
	}
	f.entries = append(f.entries, history.Entry{Client: client, Op: op, Key: key, Slot: slot, Request: req,
		Outcome: history.Outcome{Status: status, Code: rdv.ErrorCode(err)}, IDs: ids, Sent: f.now, Answered: f.now})
}

// last returns the last entry of op and key.
func (f *fixture) last(op history.Op, key string) history.Entry {
	for i := len(f.entries) - 1; i >= 0; i-- {
		if e := f.entries[i]; e.Op == op && e.Key == key {
			return e
		}
	}
	f.t.Fatalf("no %s %s in the history", op, key)
	return history.Entry{}
}

func idem(scope, key string, body any) *rdv.IdemKey {
	return &rdv.IdemKey{Scope: scope, Key: key, BodyHash: auth.HashToken(fmt.Sprint(body))}
}
