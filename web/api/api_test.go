package api

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"rdv"
)

func TestProbes(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.runScenarios(t, []scenario{
		{name: "alive", req: request{method: "GET", url: "/healthz"}, wantStatus: 200, want: []string{`"ok"`}},
		{name: "ready", req: request{method: "GET", url: "/readyz"}, wantStatus: 200, want: []string{`"ready"`}},
		{name: "openapi", req: request{method: "GET", url: "/api/v1/openapi.json"}, wantStatus: 200, want: []string{`"openapi": "3.1.0"`}},
		{name: "unknown route", req: request{method: "GET", url: "/api/v1/nope"}, wantStatus: 404, want: []string{`"code":"not_found"`}},
	})
}

// TestReadySaysWhetherTheRoomIsOpen: /readyz names the waiting room's
// state in its Waiting-Room header, which the edge's health checks read
// (deploy/haproxy); without a room it is closed.
func TestReadySaysWhetherTheRoomIsOpen(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	for _, tt := range []struct {
		deps func() bool
		want string
	}{{nil, "closed"}, {func() bool { return false }, "closed"}, {func() bool { return true }, "open"}} {
		a.handler = New(Deps{Engine: a.engine, Index: a.index, Store: a.store, Log: a.log, WaitingRoomOpen: tt.deps})
		res, body := a.do(request{method: "GET", url: "/readyz"})
		if res.StatusCode != 200 || res.Header.Get("Waiting-Room") != tt.want {
			t.Errorf("status %d, Waiting-Room %q, want 200 and %q; body %s", res.StatusCode, res.Header.Get("Waiting-Room"), tt.want, body)
		}
	}
}

func TestNotReady(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.handler = New(Deps{Engine: a.engine, Index: a.index, Store: a.store, Log: a.log,
		Ready: func(context.Context) error { return fmt.Errorf("database down") }})
	a.runScenarios(t, []scenario{
		{name: "not ready", req: request{method: "GET", url: "/readyz", headers: map[string]string{"Accept-Language": "en"}}, wantStatus: 503,
			want: []string{`"code":"unavailable"`, "temporarily unavailable"}, notWant: []string{"database down"}},
	})
}

func TestClinics(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.runScenarios(t, []scenario{
		{name: "list", req: request{method: "GET", url: "/api/v1/clinics"}, wantStatus: 200,
			want: []string{`"total":3`, `"name":"Clinique du Plateau"`, `"city":"Montréal"`, `"services":["general","pediatrics"]`, `"lat":45.5236`}},
		{name: "one", req: request{method: "GET", url: "/api/v1/clinics/2"}, wantStatus: 200, want: []string{`"id":2`, `"city":"Laval"`}},
		{name: "unknown", req: request{method: "GET", url: "/api/v1/clinics/999"}, wantStatus: 404, want: []string{`"code":"not_found"`, "Introuvable."}},
		{name: "not a number", req: request{method: "GET", url: "/api/v1/clinics/abc"}, wantStatus: 404, want: []string{`"code":"not_found"`}},
		{name: "negative", req: request{method: "GET", url: "/api/v1/clinics/-1"}, wantStatus: 404},
	})
}

func TestSearch(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	const mtl = "/api/v1/slots?near=45.5017,-73.5673&service=general"
	a.runScenarios(t, []scenario{
		{name: "near Montréal", req: request{method: "GET", url: mtl + "&limit=3"}, wantStatus: 200,
			want: []string{`{"slots":[{"id":1,"start":"2030-03-04T09:00:00-05:00","end":"2030-03-04T09:15:00-05:00","service":"general","clinic":{"id":1,"name":"Clinique du Plateau","city":"Montréal"`,
				`"practitioner":{"id":1,"name":"Dre Amélie Tremblay"}`, `"distance_km":`}},
		{name: "booked slot hidden", req: request{method: "GET", url: mtl + "&limit=100&radius_km=5"}, wantStatus: 200, notWant: []string{`{"id":2,"start"`}},
		{name: "by place", req: request{method: "GET", url: "/api/v1/slots?place=Montr%C3%A9al&service=general&limit=1"}, wantStatus: 200, want: []string{`"id":1,`}},
		{name: "by place without accent", req: request{method: "GET", url: "/api/v1/slots?place=quebec&service=general&limit=1"}, wantStatus: 200, want: []string{`"city":"Québec"`}},
		{name: "rostered hidden", req: request{method: "GET", url: mtl + "&service=pediatrics"}, wantStatus: 200, want: []string{`{"slots":[]}`}},
		{name: "far away", req: request{method: "GET", url: "/api/v1/slots?near=48.4,-71.1&service=general&radius_km=10"}, wantStatus: 200,
			want: []string{`{"slots":[],"next_free":{"id":101,`, `"city":"Québec"`}},
		{name: "past days", req: request{method: "GET", url: mtl + "&from=2020-01-01&to=2020-01-02"}, wantStatus: 200, want: []string{`{"slots":[],"next_free":{"id":1,`}},
		{name: "one day later", req: request{method: "GET", url: mtl + "&from=2030-03-05&to=2030-03-05&limit=1"}, wantStatus: 200, want: []string{`"start":"2030-03-05T09:00:00-05:00"`}},
		{name: "per clinic", req: request{method: "GET", url: mtl + "&per_clinic=1&limit=10&radius_km=250"}, wantStatus: 200, want: []string{`"id":1,`}},
		{name: "afternoon only", req: request{method: "GET", url: mtl + "&times=afternoon"}, wantStatus: 200, want: []string{`{"slots":[]}`}},
		{name: "weekdays", req: request{method: "GET", url: mtl + "&weekdays=tue&limit=1"}, wantStatus: 200, want: []string{`"start":"2030-03-05T09:00:00-05:00"`}},
		{name: "language", req: request{method: "GET", url: mtl + "&language=en&radius_km=5"}, wantStatus: 200, notWant: []string{`"name":"Dr Samuel Gagnon"`}},
		{name: "cacheable", req: request{method: "GET", url: mtl}, wantStatus: 200},
		{name: "radius too big", req: request{method: "GET", url: mtl + "&radius_km=1000"}, wantStatus: 422,
			want: []string{`"code":"invalid_field"`, `"field":"radius_km"`, "Le rayon de recherche (radius_km) est invalide."}},
		{name: "radius too big in English", req: request{method: "GET", url: mtl + "&radius_km=1000", headers: map[string]string{"Accept-Language": "en-CA,en;q=0.9"}}, wantStatus: 422,
			want: []string{`"field":"radius_km"`, "The search radius (radius_km) is invalid."}},
		{name: "no service", req: request{method: "GET", url: "/api/v1/slots?near=45.5,-73.5"}, wantStatus: 422, want: []string{`"field":"service"`}},
		{name: "no point", req: request{method: "GET", url: "/api/v1/slots?service=general"}, wantStatus: 422, want: []string{`"field":"near"`}},
		{name: "unknown place", req: request{method: "GET", url: "/api/v1/slots?place=Atlantis&service=general"}, wantStatus: 422, want: []string{`"field":"place"`}},
		{name: "bad date", req: request{method: "GET", url: mtl + "&from=2030-02-30"}, wantStatus: 422, want: []string{`"field":"from"`}},
		{name: "bad limit", req: request{method: "GET", url: mtl + "&limit=1000"}, wantStatus: 422, want: []string{`"field":"limit"`}},
		{name: "bad times", req: request{method: "GET", url: mtl + "&times=25:00-26:00"}, wantStatus: 422, want: []string{`"field":"times"`}},
	})
	res, _ := a.do(request{method: "GET", url: mtl})
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=5") {
		t.Errorf("search Cache-Control %q, want a short max-age", cc)
	}
}

func TestPlaces(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.runScenarios(t, []scenario{
		{name: "type-ahead", req: request{method: "GET", url: "/api/v1/places?q=mont"}, wantStatus: 200, want: []string{`{"places":[{"name":"Montréal"`, `"population":`}},
		{name: "limit", req: request{method: "GET", url: "/api/v1/places?q=s&limit=2"}, wantStatus: 200},
		{name: "empty", req: request{method: "GET", url: "/api/v1/places?q="}, wantStatus: 200, want: []string{`{"places":[]}`}},
		{name: "bad limit", req: request{method: "GET", url: "/api/v1/places?q=mont&limit=0"}, wantStatus: 422, want: []string{`"field":"limit"`}},
		{name: "long prefix", req: request{method: "GET", url: "/api/v1/places?q=" + strings.Repeat("a", 101)}, wantStatus: 422, want: []string{`"field":"q"`}},
	})
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	holdID := a.hold(slotFree+1+1, "") // slot 3: a live hold to confirm against
	apptID, token := a.book(slotFree+3, "198.51.100.7:1")
	en := map[string]string{"Accept-Language": "en"}
	confirm := func(p map[string]any) string { return confirmBody(t, holdID, p) }
	appt := fmt.Sprintf("/api/v1/appointments/%d", apptID)
	a.runScenarios(t, []scenario{
		{name: "malformed JSON", req: request{method: "POST", url: "/api/v1/holds", body: `{"slot_id":`}, wantStatus: 400, want: []string{`"code":"bad_request"`, "La requête est mal formée."}},
		{name: "malformed JSON in English", req: request{method: "POST", url: "/api/v1/holds", body: `{"slot_id":`, headers: en}, wantStatus: 400, want: []string{"The request is malformed."}},
		{name: "empty body", req: request{method: "POST", url: "/api/v1/holds"}, wantStatus: 400},
		{name: "unknown field", req: request{method: "POST", url: "/api/v1/holds", body: `{"slot_id":1,"admin":true}`}, wantStatus: 400},
		{name: "trailing data", req: request{method: "POST", url: "/api/v1/holds", body: `{"slot_id":1}{"slot_id":2}`}, wantStatus: 400},
		{name: "trailing garbage", req: request{method: "POST", url: "/api/v1/holds", body: `{"slot_id":1} x`}, wantStatus: 400},
		{name: "not an object", req: request{method: "POST", url: "/api/v1/holds", body: `[1]`}, wantStatus: 400},
		{name: "body too large", req: request{method: "POST", url: "/api/v1/holds", body: `{"slot_id":1,"pad":"` + strings.Repeat("x", 70<<10) + `"}`}, wantStatus: 413,
			want: []string{`"code":"body_too_large"`}},
		{name: "wrong type", req: request{method: "POST", url: "/api/v1/holds", body: `{"slot_id":"one"}`}, wantStatus: 422, want: []string{`"field":"slot_id"`}},
		{name: "missing slot", req: request{method: "POST", url: "/api/v1/holds", body: `{}`}, wantStatus: 422, want: []string{`"field":"slot_id"`}},
		{name: "unknown slot", req: request{method: "POST", url: "/api/v1/holds", body: fmt.Sprintf(`{"slot_id":%d}`, slotUnknown)}, wantStatus: 404},
		{name: "booked slot", req: request{method: "POST", url: "/api/v1/holds", body: fmt.Sprintf(`{"slot_id":%d}`, slotBooked)}, wantStatus: 409,
			want: []string{`"code":"slot_taken"`}},
		{name: "held slot", req: request{method: "POST", url: "/api/v1/holds", body: `{"slot_id":3}`, remote: "203.0.113.9:5"}, wantStatus: 409, want: []string{`"code":"slot_taken"`}},
		{name: "rostered slot", req: request{method: "POST", url: "/api/v1/holds", body: fmt.Sprintf(`{"slot_id":%d}`, slotRostered)}, wantStatus: 403, want: []string{`"code":"forbidden"`}},
		{name: "long idempotency key", req: request{method: "POST", url: "/api/v1/holds", body: `{"slot_id":5}`, headers: map[string]string{"Idempotency-Key": strings.Repeat("k", 201)}},
			wantStatus: 422, want: []string{`"field":"Idempotency-Key"`}},
		{name: "unknown hold", req: request{method: "POST", url: "/api/v1/appointments", body: confirmBody(t, "h_nope", patientJSON)}, wantStatus: 404},
		{name: "missing hold", req: request{method: "POST", url: "/api/v1/appointments", body: confirmBody(t, "", patientJSON)}, wantStatus: 422, want: []string{`"field":"hold_id"`}},
		{name: "missing patient", req: request{method: "POST", url: "/api/v1/appointments", body: `{"hold_id":"` + holdID + `"}`}, wantStatus: 422, want: []string{`"field":"patient.first_name"`}},
		{name: "bad health number", req: request{method: "POST", url: "/api/v1/appointments", body: confirm(with(patientJSON, "health_number", "BOUC 1234"))}, wantStatus: 422,
			want: []string{`"field":"patient.health_number"`, "Le numéro d'assurance maladie est invalide."}},
		{name: "bad health number in English", req: request{method: "POST", url: "/api/v1/appointments", body: confirm(with(patientJSON, "health_number", "BOUC 1234")), headers: en}, wantStatus: 422,
			want: []string{"The health insurance number is invalid."}},
		{name: "health number of another birth date", req: request{method: "POST", url: "/api/v1/appointments", body: confirm(with(patientJSON, "health_number", "BOUC90061612"))}, wantStatus: 422,
			want: []string{`"field":"patient.health_number"`}},
		{name: "bad birth date", req: request{method: "POST", url: "/api/v1/appointments", body: confirm(with(patientJSON, "birth_date", "15/06/1990"))}, wantStatus: 422, want: []string{`"field":"patient.birth_date"`}},
		{name: "bad email", req: request{method: "POST", url: "/api/v1/appointments", body: confirm(with(patientJSON, "email", "camille@"))}, wantStatus: 422, want: []string{`"field":"patient.email"`, "L'adresse courriel est invalide."}},
		{name: "bad guardian", req: request{method: "POST", url: "/api/v1/appointments", body: jsonOf(t, map[string]any{"hold_id": holdID, "patient": childJSON, "guardian": with(patientJSON, "phone", "abc")})},
			wantStatus: 422, want: []string{`"field":"guardian.phone"`, "du parent ou tuteur"}},
		{name: "unknown patient field", req: request{method: "POST", url: "/api/v1/appointments", body: confirm(with(patientJSON, "ssn", "1"))}, wantStatus: 400},
		{name: "appointment not a number", req: request{method: "GET", url: "/api/v1/appointments/abc?token=" + token}, wantStatus: 404},
		{name: "appointment unknown", req: request{method: "GET", url: "/api/v1/appointments/999?token=" + token}, wantStatus: 404},
		{name: "appointment without token", req: request{method: "GET", url: appt}, wantStatus: 404},
		{name: "appointment wrong token", req: request{method: "GET", url: appt + "?token=wrong"}, wantStatus: 404},
		{name: "cancel wrong token", req: request{method: "POST", url: appt + "/cancel", body: `{"token":"wrong"}`}, wantStatus: 404},
		{name: "cancel without token", req: request{method: "POST", url: appt + "/cancel", body: `{}`}, wantStatus: 422, want: []string{`"field":"token"`}},
		{name: "cancel not a number", req: request{method: "POST", url: "/api/v1/appointments/x/cancel", body: `{"token":"t"}`}, wantStatus: 404},
		{name: "cancel malformed", req: request{method: "POST", url: appt + "/cancel", body: `{"token":`}, wantStatus: 400},
		{name: "reschedule unknown hold", req: request{method: "POST", url: appt + "/reschedule", body: jsonOf(t, map[string]string{"token": token, "hold_id": "h_nope"})}, wantStatus: 404},
		{name: "reschedule without hold", req: request{method: "POST", url: appt + "/reschedule", body: jsonOf(t, map[string]string{"token": token})}, wantStatus: 422, want: []string{`"field":"hold_id"`}},
	})
	// None of the refusals wrote anything: the appointment is still booked
	// in its slot, the hold still live, and the free slots still free.
	got := a.call(request{method: "GET", url: appt + "?token=" + token}, 200)
	if got["status"] != "booked" || slotID(got) != slotFree+3 {
		t.Fatalf("appointment after refusals: %v", got)
	}
	if s, err := a.store.Slot(context.Background(), slotFree+2); err != nil || s.State != rdv.SlotHeld || s.HoldID != holdID {
		t.Fatalf("held slot after refusals: %+v, %v", s, err)
	}
	for _, id := range []int64{slotFree, slotFree + 4, slotRostered} {
		if s, err := a.store.Slot(context.Background(), id); err != nil || s.State != rdv.SlotFree {
			t.Fatalf("slot %d after refusals: %+v, %v", id, s, err)
		}
	}
}

func slotID(appt map[string]any) int64 {
	return int64(appt["slot"].(map[string]any)["id"].(float64))
}

func TestHoldLimitsAndExpiry(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	const client = "203.0.113.50:1000"
	for _, id := range []int64{4, 5, 6} {
		a.hold(id, client)
	}
	// Another port of the same address is the same client.
	a.runScenarios(t, []scenario{
		{name: "fourth hold", req: request{method: "POST", url: "/api/v1/holds", body: `{"slot_id":7}`, remote: "203.0.113.50:2000", headers: map[string]string{"Accept-Language": "en"}},
			wantStatus: 429, want: []string{`"code":"too_many_holds"`, "too many"}},
	})
	holdID := a.hold(8, "")
	a.clock.Set(testNow.Add(a.engine.Config().HoldTTL + time.Second))
	a.runScenarios(t, []scenario{
		{name: "expired hold", req: request{method: "POST", url: "/api/v1/appointments", body: confirmBody(t, holdID, patientJSON)}, wantStatus: 410,
			want: []string{`"code":"hold_expired"`, "a expiré"}},
		{name: "expired holds free their client", req: request{method: "POST", url: "/api/v1/holds", body: `{"slot_id":7}`, remote: client}, wantStatus: 201},
	})
}

func TestFlow(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	const search = "/api/v1/slots?place=Montr%C3%A9al&service=general&radius_km=5&limit=2"
	found := a.call(request{method: "GET", url: search}, 200)["slots"].([]any)
	if len(found) != 2 {
		t.Fatalf("search found %d slots, want 2", len(found))
	}
	first := int64(found[0].(map[string]any)["id"].(float64))
	second := int64(found[1].(map[string]any)["id"].(float64))

	h := a.call(request{method: "POST", url: "/api/v1/holds", body: fmt.Sprintf(`{"slot_id":%d}`, first)}, 201)
	if h["slot_id"].(float64) != float64(first) || !strings.HasSuffix(h["expires_at"].(string), "-05:00") {
		t.Fatalf("hold %v", h)
	}
	if again := a.call(request{method: "GET", url: search}, 200)["slots"].([]any); int64(again[0].(map[string]any)["id"].(float64)) == first {
		t.Fatal("a held slot still shows in search")
	}

	booked := a.call(request{method: "POST", url: "/api/v1/appointments", body: confirmBody(t, h["hold_id"].(string), patientJSON)}, 201)
	token, _ := booked["cancel_token"].(string)
	if booked["status"] != "booked" || token == "" || slotID(booked) != first {
		t.Fatalf("booking %v", booked)
	}
	id := int64(booked["id"].(float64))
	appt := fmt.Sprintf("/api/v1/appointments/%d", id)

	got := a.call(request{method: "GET", url: appt + "?token=" + token}, 200)
	if _, shown := got["cancel_token"]; shown || got["status"] != "booked" || slotID(got) != first {
		t.Fatalf("appointment read back %v", got)
	}
	if strings.Contains(fmt.Sprint(got), "BOUC") {
		t.Fatal("the health number is shown")
	}

	h2 := a.call(request{method: "POST", url: "/api/v1/holds", body: fmt.Sprintf(`{"slot_id":%d}`, second)}, 201)
	moved := a.call(request{method: "POST", url: appt + "/reschedule", body: jsonOf(t, map[string]string{"token": token, "hold_id": h2["hold_id"].(string)})}, 200)
	if slotID(moved) != second || moved["status"] != "booked" {
		t.Fatalf("rescheduled %v", moved)
	}
	if s, _ := a.store.Slot(context.Background(), first); !s.FreeAt(testNow) {
		t.Fatalf("old slot after reschedule: %+v", s)
	}
	if again := a.call(request{method: "GET", url: search}, 200)["slots"].([]any); int64(again[0].(map[string]any)["id"].(float64)) != first {
		t.Fatalf("the freed slot does not show in search first: %v", again)
	}

	cancelled := a.call(request{method: "POST", url: appt + "/cancel", body: jsonOf(t, map[string]string{"token": token})}, 200)
	if cancelled["status"] != "cancelled" || slotID(cancelled) != second {
		t.Fatalf("cancelled %v", cancelled)
	}
	if s, _ := a.store.Slot(context.Background(), second); !s.FreeAt(testNow) {
		t.Fatalf("slot after cancel: %+v", s)
	}
	if got := a.call(request{method: "GET", url: appt + "?token=" + token}, 200); got["status"] != "cancelled" {
		t.Fatalf("after cancel: %v", got)
	}
	a.runScenarios(t, []scenario{
		// Cancelling is idempotent even without a key: the second answer
		// is the same cancelled appointment.
		{name: "cancel twice", req: request{method: "POST", url: appt + "/cancel", body: jsonOf(t, map[string]string{"token": token})}, wantStatus: 200, want: []string{`"status":"cancelled"`}},
		{name: "reschedule a cancelled appointment", req: request{method: "POST", url: appt + "/reschedule", body: jsonOf(t, map[string]string{"token": token, "hold_id": a.hold(first, "")})}, wantStatus: 409},
	})
}

func TestGuardianBooksForChild(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	holdID := a.hold(slotFree, "")
	child := childJSON
	body := jsonOf(t, map[string]any{"hold_id": holdID, "patient": child})
	got := a.call(request{method: "POST", url: "/api/v1/appointments", body: body}, 422)
	if got["error"].(map[string]any)["field"] != "guardian" {
		t.Fatalf("a child of 6 without guardian: %v", got)
	}
	// The guardian is the contact; their number and birth date are not
	// needed, and a client that sends no relationship is still served.
	guardian := map[string]any{"first_name": "Camille", "last_name": "Bouchard", "phone": "514-555-0142"}
	booked := a.call(request{method: "POST", url: "/api/v1/appointments", body: jsonOf(t, map[string]any{"hold_id": holdID, "patient": child, "guardian": guardian})}, 201)
	if booked["booked_by"] != "guardian" || booked["guardian"].(map[string]any)["first_name"] != "Camille" {
		t.Fatalf("booked by guardian: %v", booked)
	}
}

func TestIdempotentReplay(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	key := map[string]string{"Idempotency-Key": "hold-1"}
	first := a.call(request{method: "POST", url: "/api/v1/holds", body: `{"slot_id":4}`, headers: key}, 201)
	again := a.call(request{method: "POST", url: "/api/v1/holds", body: `{"slot_id":4}`, headers: key}, 201)
	if first["hold_id"] != again["hold_id"] {
		t.Fatalf("replayed hold %v, want %v", again, first)
	}
	a.runScenarios(t, []scenario{
		{name: "same key other body", req: request{method: "POST", url: "/api/v1/holds", body: `{"slot_id":5}`, headers: key}, wantStatus: 422,
			want: []string{`"code":"idempotency_mismatch"`}},
		{name: "same key from another client", req: request{method: "POST", url: "/api/v1/holds", body: `{"slot_id":4}`, headers: key, remote: "203.0.113.1:9"}, wantStatus: 422,
			want: []string{`"code":"idempotency_mismatch"`}, notWant: []string{first["hold_id"].(string)}},
	})

	ckey := map[string]string{"Idempotency-Key": "confirm-1"}
	body := confirmBody(t, first["hold_id"].(string), patientJSON)
	b1 := a.call(request{method: "POST", url: "/api/v1/appointments", body: body, headers: ckey}, 201)
	b2 := a.call(request{method: "POST", url: "/api/v1/appointments", body: body, headers: ckey}, 201)
	if b1["id"] != b2["id"] || b1["cancel_token"] != b2["cancel_token"] {
		t.Fatalf("replayed booking %v, want %v", b2, b1)
	}
	a.runScenarios(t, []scenario{
		{name: "confirm key other body", req: request{method: "POST", url: "/api/v1/appointments", body: confirmBody(t, first["hold_id"].(string), with(patientJSON, "phone", "514-555-0143")), headers: ckey},
			wantStatus: 422, want: []string{`"code":"idempotency_mismatch"`}},
		{name: "confirm again without key", req: request{method: "POST", url: "/api/v1/appointments", body: body}, wantStatus: 409},
	})

	appt := fmt.Sprintf("/api/v1/appointments/%v", b1["id"])
	cancel := jsonOf(t, map[string]string{"token": b1["cancel_token"].(string)})
	xkey := map[string]string{"Idempotency-Key": "cancel-1"}
	c1 := a.call(request{method: "POST", url: appt + "/cancel", body: cancel, headers: xkey}, 200)
	c2 := a.call(request{method: "POST", url: appt + "/cancel", body: cancel, headers: xkey}, 200)
	if c1["status"] != "cancelled" || c2["status"] != "cancelled" || c1["id"] != c2["id"] {
		t.Fatalf("replayed cancel %v, want %v", c2, c1)
	}
}
