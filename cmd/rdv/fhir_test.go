package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/sqlite"
)

// TestFHIRRecordSystem plays a clinic's record system against the real
// server: it reads the CapabilityStatement, finds a slot with $find,
// holds it with $hold, books it with $book, and the appointment is in
// the store, booked through the API channel; the SMART manifest lists
// the files, and a poll of it with its ETag is answered 304 in front of
// the site and counted.
func TestFHIRRecordSystem(t *testing.T) {
	db := smallNetworkDB(t, nil)
	m, base := startMain(t, "--db", db)
	cs := call(t, "GET", base+"/fhir/metadata", nil, 200)
	if cs["resourceType"] != "CapabilityStatement" || cs["fhirVersion"] != "4.0.1" || !strings.Contains(mustJSON(t, cs), `"name":"book"`) {
		t.Fatalf("metadata: %v", cs)
	}
	tomorrow := rdv.DateOf(time.Now()).AddDays(1).String()
	found := call(t, "POST", base+"/fhir/Appointment/$find", parameters(
		map[string]any{"name": "start", "valueDate": tomorrow},
		map[string]any{"name": "visit-type", "valueString": "general"},
		map[string]any{"name": "_count", "valueInteger": 1}), 200)
	proposed := firstEntry(t, found)
	if proposed["status"] != "proposed" {
		t.Fatalf("$find: %v", found)
	}
	held := call(t, "POST", base+"/fhir/Appointment/$hold", parameters(
		map[string]any{"name": "appointment-reference", "valueReference": map[string]any{"reference": "Appointment/" + proposed["id"].(string)}}), 200)
	pending := firstEntry(t, held)
	if pending["status"] != "pending" {
		t.Fatalf("$hold: %v", held)
	}
	booked := call(t, "POST", base+"/fhir/Appointment/$book", parameters(
		map[string]any{"name": "appointment-reference", "valueReference": map[string]any{"reference": "Appointment/" + pending["id"].(string)}},
		map[string]any{"name": "patient-resource", "resource": map[string]any{
			"resourceType": "Patient",
			"identifier":   []any{map[string]any{"system": "https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id", "value": "BOUC 9006 1512"}},
			"name":         []any{map[string]any{"family": "Bouchard", "given": []string{"Camille"}}},
			"birthDate":    "1990-06-15",
			"telecom":      []any{map[string]any{"system": "email", "value": "camille@example.org"}},
		}}), 200)
	appt := firstEntry(t, booked)
	if appt["status"] != "booked" {
		t.Fatalf("$book: %v", booked)
	}
	id, err := strconv.ParseInt(appt["id"].(string), 10, 64)
	if err != nil {
		t.Fatalf("appointment id %v", appt["id"])
	}
	manifest := call(t, "GET", base+"/fhir/$bulk-publish", nil, 200)
	if out, _ := manifest["output"].([]any); len(out) < 4 {
		t.Errorf("manifest: %v", manifest)
	}
	res, err := http.Get(base + "/fhir/$bulk-publish")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	poll, _ := http.NewRequest("GET", base+"/fhir/$bulk-publish", nil)
	poll.Header.Set("If-None-Match", res.Header.Get("ETag"))
	if res, err = http.DefaultClient.Do(poll); err != nil || res.StatusCode != http.StatusNotModified {
		t.Fatalf("a poll with the manifest's ETag: %v %v", res, err)
	}
	res.Body.Close()
	if page := scrapeMetrics(t, m); !strings.Contains(page, "\nrdv_fhir_publish_not_modified_total 1\n") {
		t.Errorf("the poll is not counted:\n%s", page)
	}

	// The record system's booking is the store's: another connection to
	// the database reads it.
	store, err := sqlite.Open(context.Background(), db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	a, err := store.Appointment(context.Background(), id)
	if err != nil || a.Status != rdv.Booked || a.Channel != rdv.API || a.Patient.LastName != "Bouchard" ||
		"Slot/"+strconv.FormatInt(a.Slot.ID, 10) != proposed["slot"].([]any)[0].(map[string]any)["reference"] {
		t.Errorf("stored appointment %+v, %v", a, err)
	}
}

func parameters(ps ...map[string]any) map[string]any {
	list := make([]any, len(ps))
	for i, p := range ps {
		list[i] = p
	}
	return map[string]any{"resourceType": "Parameters", "parameter": list}
}

// firstEntry returns the first Appointment of a bundle.
func firstEntry(t *testing.T, bundle map[string]any) map[string]any {
	t.Helper()
	entries, _ := bundle["entry"].([]any)
	for _, e := range entries {
		res, _ := e.(map[string]any)["resource"].(map[string]any)
		if res["resourceType"] == "Appointment" {
			return res
		}
	}
	t.Fatalf("no appointment in %v", bundle)
	return nil
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
