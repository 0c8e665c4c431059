package storetest

import (
	"testing"
	"time"

	"rdv"
)

// How a request ends: an agent books for it (in the booking's own
// transaction) or closes it with a reason; either happens once.

func mustAddRequest(t *testing.T, rs rdv.RequestStore, ref string) rdv.AppointmentRequest {
	t.Helper()
	r, err := rs.AddRequest(t.Context(), SampleRequest(ref, time.Date(2031, time.March, 3, 14, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatalf("add %s: %v", ref, err)
	}
	return r
}

func testReadRequest(t *testing.T, rs rdv.RequestStore) {
	added := mustAddRequest(t, rs, "D-READ")
	got, err := rs.Request(t.Context(), added.ID)
	if err != nil {
		t.Fatalf("read request %d: %v", added.ID, err)
	}
	if got != added {
		t.Fatalf("read back\n%+v\nwant\n%+v", got, added)
	}
	if got.AppointmentID != 0 || got.CloseReason != "" || !got.HandledAt.IsZero() {
		t.Fatalf("an open request shows an end: %+v", got)
	}
	_, err = rs.Request(t.Context(), added.ID+1000)
	wantCode(t, "read a request that does not exist", err, rdv.ENOTFOUND)
}

func testCloseRequest(t *testing.T, rs rdv.RequestStore) {
	ctx := t.Context()
	r := mustAddRequest(t, rs, "D-CLOSE")
	other := mustAddRequest(t, rs, "D-STAYS")
	at := time.Date(2031, time.March, 4, 15, 30, 0, 0, time.UTC)
	got, err := rs.CloseRequest(ctx, rdv.CloseRequestInput{ID: r.ID, Reason: rdv.CloseOther, Note: "Rappelée : a déménagé à Gatineau", By: 7, Now: at})
	if err != nil {
		t.Fatalf("close: %v", err)
	}
	if got.Status != rdv.RequestClosed || got.CloseReason != rdv.CloseOther || got.CloseNote != "Rappelée : a déménagé à Gatineau" ||
		got.HandledBy != 7 || !got.HandledAt.Equal(at) || got.AppointmentID != 0 {
		t.Fatalf("closed request %+v", got)
	}
	if again, err := rs.Request(ctx, r.ID); err != nil || again != got {
		t.Fatalf("read back %+v, %v; want %+v", again, err, got)
	}
	closed, err := rs.Requests(ctx, rdv.RequestClosed, 10)
	if err != nil || len(closed) != 1 || closed[0].ID != r.ID {
		t.Fatalf("closed requests: %+v, %v", closed, err)
	}
	open, err := rs.Requests(ctx, rdv.RequestOpen, 10)
	if err != nil || len(open) != 1 || open[0].ID != other.ID {
		t.Fatalf("open requests: %+v, %v", open, err)
	}
	// A second agent closing the same request changes nothing.
	_, err = rs.CloseRequest(ctx, rdv.CloseRequestInput{ID: r.ID, Reason: rdv.CloseDuplicate, By: 8, Now: at.Add(time.Hour)})
	wantCode(t, "close a closed request", err, rdv.ECONFLICT)
	if rdv.ErrorField(err) != "request" {
		t.Fatalf("close a closed request: field %q, want request", rdv.ErrorField(err))
	}
	if again, _ := rs.Request(ctx, r.ID); again != got {
		t.Fatalf("a refused closing changed the request: %+v", again)
	}
}

func testCloseRequestRefused(t *testing.T, rs rdv.RequestStore) {
	ctx := t.Context()
	r := mustAddRequest(t, rs, "D-REFUSED")
	now := time.Date(2031, time.March, 4, 15, 30, 0, 0, time.UTC)
	long := make([]byte, rdv.MaxCloseNote+1)
	for i := range long {
		long[i] = 'a'
	}
	for _, tt := range []struct {
		name string
		in   rdv.CloseRequestInput
		code string
	}{
		{"no reason", rdv.CloseRequestInput{ID: r.ID, Now: now}, rdv.EINVALID},
		{"unknown reason", rdv.CloseRequestInput{ID: r.ID, Reason: "bored", Now: now}, rdv.EINVALID},
		{"other without a note", rdv.CloseRequestInput{ID: r.ID, Reason: rdv.CloseOther, Note: "  ", Now: now}, rdv.EINVALID},
		{"note too long", rdv.CloseRequestInput{ID: r.ID, Reason: rdv.CloseUnreachable, Note: string(long), Now: now}, rdv.EINVALID},
		{"no such request", rdv.CloseRequestInput{ID: r.ID + 1000, Reason: rdv.CloseUnreachable, Now: now}, rdv.ENOTFOUND},
	} {
		_, err := rs.CloseRequest(ctx, tt.in)
		wantCode(t, tt.name, err, tt.code)
	}
	if got, err := rs.Request(ctx, r.ID); err != nil || got != r {
		t.Fatalf("refused closings changed the request: %+v, %v", got, err)
	}
}

func testBookForRequest(t *testing.T, f *fixture) {
	rs := f.store
	r := mustAddRequest(t, rs, "D-BOOK")
	slot := f.freePublic(1)[0]
	h := f.mustHold(slot, "agent")
	cr := f.confirmReq(h.ID, TestPatient(3))
	cr.BookedBy, cr.Channel, cr.ForRequest = rdv.ByAgent, rdv.Phone, r.ID
	a, _, err := f.store.ConfirmHold(f.ctx, cr)
	if err != nil {
		t.Fatalf("book for request %d: %v", r.ID, err)
	}
	got, err := rs.Request(f.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != rdv.RequestBooked || got.AppointmentID != a.ID || !got.HandledAt.Equal(f.now) || got.CloseReason != "" {
		t.Fatalf("request after its booking: %+v, want booked with appointment %d", got, a.ID)
	}
	// It is ended: neither closed nor booked for again.
	_, err = rs.CloseRequest(f.ctx, rdv.CloseRequestInput{ID: r.ID, Reason: rdv.CloseUnreachable, Now: f.now})
	wantCode(t, "close a booked request", err, rdv.ECONFLICT)
	if booked, err := rs.Requests(f.ctx, rdv.RequestBooked, 10); err != nil || len(booked) != 1 || booked[0].ID != r.ID {
		t.Fatalf("booked requests: %+v, %v", booked, err)
	}
}

// testBookForEndedRequest: a second agent who books for a request another
// agent has ended books nothing: the slot stays held for a retry, no
// appointment is written and the request keeps its first end.
func testBookForEndedRequest(t *testing.T, f *fixture) {
	rs := f.store
	r := mustAddRequest(t, rs, "D-RACE")
	slots := f.freePublic(3)
	first := f.confirmReq(f.mustHold(slots[0], "agent-1").ID, TestPatient(4))
	first.ForRequest = r.ID
	a, _, err := f.store.ConfirmHold(f.ctx, first)
	if err != nil {
		t.Fatalf("first booking: %v", err)
	}
	h := f.mustHold(slots[1], "agent-2")
	second := f.confirmReq(h.ID, TestPatient(5))
	second.ForRequest = r.ID
	_, _, err = f.store.ConfirmHold(f.ctx, second)
	wantCode(t, "book for a booked request", err, rdv.ECONFLICT)
	if rdv.ErrorField(err) != "request" {
		t.Fatalf("book for a booked request: field %q, want request", rdv.ErrorField(err))
	}
	if sl := f.slot(slots[1]); sl.State != rdv.SlotHeld || sl.HoldID != h.ID {
		t.Fatalf("slot %d after a refused booking: %s held by %q, want still held by %s", slots[1], sl.State, sl.HoldID, h.ID)
	}
	if got, _ := rs.Request(f.ctx, r.ID); got.AppointmentID != a.ID {
		t.Fatalf("the request now points at appointment %d, want %d", got.AppointmentID, a.ID)
	}
	// The same hold still books without the request.
	second.ForRequest = 0
	if _, _, err := f.store.ConfirmHold(f.ctx, second); err != nil {
		t.Fatalf("book the held slot without the request: %v", err)
	}
	// A request that does not exist books nothing either.
	third := f.confirmReq(f.mustHold(slots[2], "agent-3").ID, TestPatient(6))
	third.ForRequest = r.ID + 1000
	_, _, err = f.store.ConfirmHold(f.ctx, third)
	wantCode(t, "book for a missing request", err, rdv.ENOTFOUND)
}
