package fhir

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func slotIDs(t *testing.T, f *testFHIR, target string) ([]string, bundleOf[Slot]) {
	t.Helper()
	res := f.do("GET", target, nil)
	if res.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", target, res.status, res.body)
	}
	var b bundleOf[Slot]
	f.decode(res, &b)
	var ids []string
	for _, s := range resources(t, b, "Slot") {
		ids = append(ids, s.ID)
	}
	return ids, b
}

func TestSlotSearch(t *testing.T) {
	f := newTestFHIR(t)
	day := testStart.String()
	tests := []struct {
		name  string
		query string
		check func(t *testing.T, slots []Slot)
	}{
		{"general only, earliest first", "service-type=general&_count=30", func(t *testing.T, slots []Slot) {
			for i, s := range slots {
				if s.ServiceType[0].Coding[0].Code != "general" || s.Status != "free" {
					t.Errorf("slot %s: %+v", s.ID, s)
				}
				if i > 0 && s.Start < slots[i-1].Start {
					t.Errorf("slot %s before %s", s.ID, slots[i-1].ID)
				}
			}
		}},
		{"HL7's code names the same service", "service-type=" + url.QueryEscape(hl7ServiceType+"|124"), func(t *testing.T, slots []Slot) {
			if len(slots) == 0 || slots[0].ServiceType[0].Coding[0].Code != "general" {
				t.Errorf("slots %+v", slots)
			}
		}},
		{"a practitioner's, from 10:00 on the first day", "schedule.actor=PractitionerRole/1&start=ge" + url.QueryEscape(testStart.At(600, time.UTC).Format("2006-01-02")+"T10:00:00-05:00") + "&start=lt" + testStart.AddDays(1).String(), func(t *testing.T, slots []Slot) {
			if len(slots) != 4 {
				t.Errorf("%d slots, want the 4 of 10:00 to 11:00", len(slots))
			}
			for _, s := range slots {
				if !strings.HasPrefix(s.Schedule.Reference, "Schedule/1-") || !strings.HasPrefix(s.Start, day+"T1") {
					t.Errorf("slot %+v", s)
				}
			}
		}},
		{"a clinic's, booked and rostered ones left out", "schedule.actor=Location/1&start=" + day + "&_count=50", func(t *testing.T, slots []Slot) {
			for _, s := range slots {
				if s.ID == "2" || s.ID == "9" || !strings.HasPrefix(s.Start, day) {
					t.Errorf("slot %+v", s)
				}
			}
			if len(slots) != 15 { // 2 practitioners × 8 public, one booked
				t.Errorf("%d slots, want 15", len(slots))
			}
		}},
		{"near Québec city", "near=46.81|-71.22|20|km&_count=50", func(t *testing.T, slots []Slot) {
			for _, s := range slots {
				if !strings.HasPrefix(s.Schedule.Reference, "Schedule/4-") {
					t.Errorf("slot %+v is not at the Québec clinic", s)
				}
			}
		}},
		{"deep link and phone", "_count=1", func(t *testing.T, slots []Slot) {
			if len(slots) != 1 || len(slots[0].Extension) != 2 || !strings.HasPrefix(slots[0].Extension[0].ValueURL, publicURL+"/recherche/clinique/") {
				t.Errorf("slots %+v", slots)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, b := slotIDs(t, f, "/fhir/Slot?"+tt.query)
			tt.check(t, resources(t, b, "Slot"))
		})
	}
}

// Paging through a search shows each slot once, in the order of one big
// page, whatever the page size, also when pages end inside a run of
// slots that start at the same time.
func TestSlotPagesCoverTheSearch(t *testing.T) {
	f := newTestFHIR(t)
	for _, q := range []string{"service-type=general", "schedule.actor=Location/1"} {
		all, _ := slotIDs(t, f, "/fhir/Slot?_count=100&"+q)
		for _, size := range []string{"1", "3", "7"} {
			var got []string
			target := "/fhir/Slot?_count=" + size + "&" + q
			for pages := 0; target != ""; pages++ {
				if pages > 200 {
					t.Fatal("paging does not end")
				}
				ids, b := slotIDs(t, f, target)
				got = append(got, ids...)
				target = next(b)
			}
			if !slices.Equal(got, all) {
				t.Errorf("%s by %s: %v\nwant %v", q, size, got, all)
			}
		}
	}
}

// A record system finds a slot, holds it and books it, reads the
// appointment with its token and cancels it: the slot is offered again.
func TestFindHoldBookCancel(t *testing.T) {
	f := newTestFHIR(t)
	res := f.do("POST", "/fhir/Appointment/$find", params("start", testStart.String(), "visit-type", "general", "practitioner", Reference{Reference: "Practitioner/1"}, "_count", "2"))
	var found bundleOf[Appointment]
	f.decode(res, &found)
	proposals := resources(t, found, "Appointment")
	if res.status != 200 || len(proposals) != 2 || proposals[0].Status != "proposed" || proposals[0].ID != proposedID(slotFree) {
		t.Fatalf("$find: %d %s", res.status, res.body)
	}
	res = f.do("POST", "/fhir/Appointment/$hold", params("appointment-reference", Reference{Reference: "Appointment/" + proposals[0].ID}))
	var held bundleOf[Appointment]
	f.decode(res, &held)
	pending := resources(t, held, "Appointment")
	if res.status != 200 || len(pending) != 1 || pending[0].Status != "pending" || len(held.Entry) != 2 {
		t.Fatalf("$hold: %d %s", res.status, res.body)
	}
	if ids, _ := slotIDs(t, f, "/fhir/Slot?schedule.actor=PractitionerRole/1&_count=1"); slices.Contains(ids, "1") {
		t.Errorf("held slot still offered: %v", ids)
	}
	res = f.do("POST", "/fhir/Appointment/$book", params("appointment-reference", Reference{Reference: "Appointment/" + pending[0].ID}, "patient-resource", patient()),
		"Idempotency-Key: book-1")
	var booked bundleOf[Appointment]
	f.decode(res, &booked)
	appts := resources(t, booked, "Appointment")
	if res.status != 200 || len(appts) != 1 || appts[0].Status != "booked" || len(appts[0].Identifier) != 1 {
		t.Fatalf("$book: %d %s", res.status, res.body)
	}
	a := appts[0]
	token := a.Identifier[0].Value
	// A retry with the same key books nothing more and answers the same.
	res = f.do("POST", "/fhir/Appointment/$book", params("appointment-reference", Reference{Reference: "Appointment/" + pending[0].ID}, "patient-resource", patient()),
		"Idempotency-Key: book-1")
	var again bundleOf[Appointment]
	f.decode(res, &again)
	if res.status != 200 || resources(t, again, "Appointment")[0].ID != a.ID {
		t.Fatalf("retried $book: %d %s", res.status, res.body)
	}
	stored, err := f.store.Appointment(context.Background(), mustID(t, a.ID))
	if err != nil || stored.Slot.ID != slotFree || stored.Patient.LastName != "Bouchard" || stored.Channel != "api" {
		t.Fatalf("stored %+v, %v", stored, err)
	}
	res = f.do("GET", "/fhir/Appointment/"+a.ID+"?token="+url.QueryEscape(token), nil)
	if res.status != 200 || !strings.Contains(string(res.body), `"status":"booked"`) || strings.Contains(string(res.body), token) {
		t.Fatalf("read with token: %d %s", res.status, res.body)
	}
	cancel := map[string]any{"resourceType": "Appointment", "id": a.ID, "status": "cancelled", "participant": []any{},
		"identifier": []any{map[string]any{"system": cancelTokenSystem, "value": token}}}
	res = f.do("POST", "/fhir/Appointment/$book", params("appointment-resource", cancel))
	if res.status != 200 || !strings.Contains(string(res.body), `"status":"cancelled"`) {
		t.Fatalf("cancel: %d %s", res.status, res.body)
	}
	if ids, _ := slotIDs(t, f, "/fhir/Slot?schedule.actor=PractitionerRole/1&_count=1"); !slices.Equal(ids, []string{"1"}) {
		t.Errorf("cancelled slot not offered again: %v", ids)
	}
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	n, ok := parseID(s)
	if !ok {
		t.Fatalf("id %q", s)
	}
	return n
}

// $book on a proposed appointment holds and books it in one call; a
// slot taken meanwhile is a conflict, and a patient the engine refuses
// names the element at fault.
func TestBookProposed(t *testing.T) {
	f := newTestFHIR(t)
	ref := Reference{Reference: "Appointment/" + proposedID(3)}
	res := f.do("POST", "/fhir/Appointment/$book", params("appointment-reference", ref, "patient-resource", patient()))
	if res.status != 200 || !strings.Contains(string(res.body), `"status":"booked"`) {
		t.Fatalf("$book proposed: %d %s", res.status, res.body)
	}
	res = f.do("POST", "/fhir/Appointment/$book", params("appointment-reference", ref, "patient-resource", patient()), "Accept-Language: en")
	if res.status != http.StatusConflict || !strings.Contains(string(res.body), "This slot was just taken") {
		t.Errorf("taken: %d %s", res.status, res.body)
	}
	bad := patient()
	bad["birthDate"] = "1991-06-15"
	res = f.do("POST", "/fhir/Appointment/$book", params("appointment-reference", Reference{Reference: "Appointment/" + proposedID(4)}, "patient-resource", bad))
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), `"expression":["Patient.identifier"]`) {
		t.Errorf("bad patient: %d %s", res.status, res.body)
	}
}

// Appointments open with their token, or for their clinic's staff; to
// anyone else they are not found, and without either 401 says why.
func TestAppointmentAccess(t *testing.T) {
	f := newTestFHIR(t)
	own := f.staffSession("receptionist", 1)
	other := f.staffSession("clinic_admin", 2)
	admin := f.staffSession("clinic_admin", 1)
	adminPassword := f.staffSessionWith("clinic_admin", 1, false)
	tests := []struct {
		name, target, header string
		status               int
	}{
		{"nobody", "/fhir/Appointment/1", "", 401},
		{"wrong token", "/fhir/Appointment/1?token=nope", "", 404},
		{"its clinic's staff", "/fhir/Appointment/1", own, 200},
		{"another clinic's staff", "/fhir/Appointment/1", other, 404},
		{"its clinic's admin", "/fhir/Appointment/1", admin, 200},
		// An admin must sign in with a second factor; a receptionist
		// (own) may, and signed in by password alone.
		{"its clinic's admin by password alone", "/fhir/Appointment/1", adminPassword, 403},
		{"a search without a party", "/fhir/Appointment", "", 401},
		{"the clinic's agenda", "/fhir/Appointment?date=" + testStart.String(), own, 200},
		{"a date range too long", "/fhir/Appointment?date=ge2030-03-01&date=lt2030-05-01", own, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h []string
			if tt.header != "" {
				h = append(h, tt.header)
			}
			res := f.do("GET", tt.target, nil, h...)
			if res.status != tt.status || !strings.Contains(res.header.Get("Content-Type"), "application/fhir+json") {
				t.Errorf("%d %s, want %d", res.status, res.body, tt.status)
			}
		})
	}
	if res := f.do("GET", "/fhir/Appointment/1", nil, adminPassword); !strings.Contains(string(res.body), "deux étapes") {
		t.Errorf("an admin's session without a second factor is refused without saying why: %s", res.body)
	}
	res := f.do("GET", "/fhir/Appointment?date="+testStart.String(), nil, own)
	var b bundleOf[Appointment]
	f.decode(res, &b)
	if got := resources(t, b, "Appointment"); len(got) != 1 || got[0].Slot[0].Reference != "Slot/2" || *b.Total != 1 {
		t.Errorf("agenda %s", res.body)
	}
}

// Every error is an OperationOutcome in the request's language.
func TestErrorsAreOperationOutcomes(t *testing.T) {
	f := newTestFHIR(t)
	tests := []struct {
		name, method, target string
		body                 any
		headers              []string
		status               int
		says                 string
	}{
		{"unknown clinic", "GET", "/fhir/Location/999", nil, nil, 404, "Ressource introuvable."},
		{"unknown clinic in English", "GET", "/fhir/Location/999", nil, []string{"Accept-Language: en-CA"}, 404, "Resource not found."},
		{"unknown route", "GET", "/fhir/Patient", nil, nil, 404, "aucune interaction"},
		{"unsupported parameter", "GET", "/fhir/Slot?foo=1", nil, nil, 400, "Le paramètre foo"},
		{"busy slots are not searched", "GET", "/fhir/Slot?status=busy", nil, []string{"Accept-Language: en"}, 400, "The parameter status"},
		{"bad date", "GET", "/fhir/Slot?start=ge2030-13-01", nil, nil, 400, "start"},
		{"bad page", "GET", "/fhir/Slot?_page=x", nil, nil, 400, "_page"},
		{"not FHIR JSON", "POST", "/fhir/Appointment/$hold", nil, nil, 415, "application/fhir+json"},
		{"not Parameters", "POST", "/fhir/Appointment/$hold", map[string]any{"resourceType": "Patient"}, nil, 400, "mal formée"},
		{"hold of a booked slot", "POST", "/fhir/Appointment/$hold", params("appointment-reference", Reference{Reference: "Appointment/" + proposedID(slotBooked)}), nil, 409, "vient d'être prise"},
		{"hold of a rostered slot", "POST", "/fhir/Appointment/$hold", params("appointment-reference", Reference{Reference: "Appointment/" + proposedID(slotRostered)}), nil, 403, "Accès refusé"},
		{"book without a patient", "POST", "/fhir/Appointment/$book", params("appointment-reference", Reference{Reference: "Appointment/" + proposedID(slotFree)}), nil, 422, "patient-resource"},
		{"cancel without a token", "POST", "/fhir/Appointment/$book", params("appointment-resource", map[string]any{"resourceType": "Appointment", "id": "1", "status": "cancelled"}), nil, 401, "jeton"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.do(tt.method, tt.target, tt.body, tt.headers...)
			var oo OperationOutcome
			f.decode(res, &oo)
			if res.status != tt.status || oo.ResourceType != "OperationOutcome" || len(oo.Issue) == 0 || !strings.Contains(string(res.body), tt.says) {
				t.Errorf("%d %s, want %d saying %q", res.status, res.body, tt.status, tt.says)
			}
		})
	}
}

func TestReadOnlyRefusesBookingNotSearch(t *testing.T) {
	f := newTestFHIR(t)
	f.srv.d.ReadOnly = func(context.Context) bool { return true }
	if res := f.do("POST", "/fhir/Appointment/$hold", params("appointment-reference", Reference{Reference: "Appointment/" + proposedID(slotFree)})); res.status != 503 || !strings.Contains(string(res.body), "lecture seule") {
		t.Errorf("hold: %d %s", res.status, res.body)
	}
	if res := f.do("GET", "/fhir/Slot?_count=1", nil); res.status != 200 {
		t.Errorf("search: %d %s", res.status, res.body)
	}
}

// The directory's reads and searches agree, and the
// CapabilityStatement lists what the routes serve.
func TestDirectory(t *testing.T) {
	f := newTestFHIR(t)
	for _, target := range []string{"/fhir/Location/1", "/fhir/Organization/1", "/fhir/Practitioner/1", "/fhir/PractitionerRole/1",
		"/fhir/HealthcareService/1-pediatrics", "/fhir/Schedule/1-general", "/fhir/Slot/1", "/fhir/Slot/2", "/fhir/metadata"} {
		if res := f.do("GET", target, nil); res.status != 200 {
			t.Errorf("GET %s: %d %s", target, res.status, res.body)
		}
	}
	if res := f.do("GET", "/fhir/Slot/2", nil); !strings.Contains(string(res.body), `"status":"busy"`) {
		t.Errorf("booked slot: %s", res.body)
	}
	searches := map[string]int{
		"/fhir/Location?near=45.52|-73.58|5|km":           1,
		"/fhir/Location?address-city=laval":               1,
		"/fhir/PractitionerRole?location=Location/1":      2,
		"/fhir/HealthcareService?service-type=pediatrics": 3,
		"/fhir/Schedule?actor=Location/3":                 2,
		"/fhir/Practitioner?_count=1":                     4, // the total; one on the page
	}
	for target, total := range searches {
		var b bundleOf[any]
		res := f.do("GET", target, nil)
		f.decode(res, &b)
		if res.status != 200 || b.Total == nil || *b.Total != total {
			t.Errorf("GET %s: %d %s, want %d in all", target, res.status, res.body, total)
		}
	}
	var cs CapabilityStatement
	f.decode(f.do("GET", "/fhir/metadata", nil), &cs)
	var ops []string
	for _, r := range cs.Rest[0].Resource {
		for _, o := range r.Operation {
			ops = append(ops, r.Type+"/$"+o.Name)
		}
	}
	if !slices.Equal(ops, []string{"Appointment/$find", "Appointment/$hold", "Appointment/$book"}) {
		t.Errorf("operations %v", ops)
	}
}
