package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"rdv"
	"rdv/auth"
	"rdv/sqlite"
	"rdv/webhook"
)

// TestFHIRRecordSystemWithToken plays, on the real server, the clinic's
// record system the issue describes: with the clinic's API token it
// reads the CapabilityStatement, finds its clinic's slots, holds one and
// books it through FHIR; the booking is in the clinic's agenda (the API
// the portal's systems read, with the same token) and in FHIR's; and the
// clinic's endpoint, an HTTPS server registered through the store,
// receives the webhook, whose signature the Standard Webhooks reference
// library checks.
func TestFHIRRecordSystemWithToken(t *testing.T) {
	type hook struct {
		header http.Header
		body   []byte
	}
	hooks := make(chan hook, 10)
	endpoint := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hooks <- hook{r.Header.Clone(), body}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer endpoint.Close()

	secret := webhook.NewSecret()
	token := "rdvk_" + auth.NewToken()
	db := smallNetworkDB(t, func(s *sqlite.Store) error {
		ctx, now := context.Background(), time.Now()
		if _, err := s.AddClinicToken(ctx, rdv.ClinicToken{ClinicID: 1, Kind: rdv.APIToken, Name: "Dossier médical", Prefix: rdv.TokenPrefix(token),
			Scopes: []rdv.TokenScope{rdv.ScopeAgendaRead, rdv.ScopeAppointmentsWrite}, CreatedAt: now}, auth.HashToken(token)); err != nil {
			return err
		}
		_, err := s.AddWebhookEndpoint(ctx, rdv.WebhookEndpoint{ClinicID: 1, URL: endpoint.URL + "/rdv", Events: []rdv.EventType{rdv.EventBooked},
			Secret: secret, CreatedAt: now})
		return err
	})
	// The platform's sender reaches public addresses only: this one is
	// the test's, on loopback, with its own certificate.
	_, base := startMainWith(t, func(m *Main) { m.WebhookClient = endpoint.Client() }, "--db", db)

	system := func(method, path string, body any, want int) map[string]any {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequest(method, base+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/fhir+json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		var v map[string]any
		if res.StatusCode != want || json.Unmarshal(raw, &v) != nil {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, raw)
		}
		return v
	}

	cs := system("GET", "/fhir/metadata", nil, 200)
	if cs["resourceType"] != "CapabilityStatement" || !bytes.Contains([]byte(mustJSON(t, cs)), []byte(`"name":"hold"`)) {
		t.Fatalf("metadata: %v", cs)
	}
	tomorrow := rdv.DateOf(time.Now()).AddDays(1).String()
	found := system("POST", "/fhir/Appointment/$find", parameters(
		map[string]any{"name": "start", "valueDate": tomorrow},
		map[string]any{"name": "visit-type", "valueString": "general"},
		map[string]any{"name": "location-reference", "valueReference": map[string]any{"reference": "Location/1"}},
		map[string]any{"name": "_count", "valueInteger": 1}), 200)
	proposed := firstEntry(t, found)
	held := system("POST", "/fhir/Appointment/$hold", parameters(
		map[string]any{"name": "appointment-reference", "valueReference": map[string]any{"reference": "Appointment/" + proposed["id"].(string)}}), 200)
	pending := firstEntry(t, held)
	if pending["status"] != "pending" {
		t.Fatalf("$hold: %v", held)
	}
	booked := system("POST", "/fhir/Appointment/$book", parameters(
		map[string]any{"name": "appointment-reference", "valueReference": map[string]any{"reference": "Appointment/" + pending["id"].(string)}},
		map[string]any{"name": "patient-resource", "resource": map[string]any{
			"resourceType": "Patient",
			"identifier":   []any{map[string]any{"system": "https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id", "value": "BOUC 9006 1512"}},
			"name":         []any{map[string]any{"family": "Bouchard", "given": []string{"Camille"}}},
			"birthDate":    "1990-06-15",
			"telecom":      []any{map[string]any{"system": "phone", "value": "514-555-0142"}},
		}}), 200)
	appt := firstEntry(t, booked)
	id, err := strconv.ParseInt(appt["id"].(string), 10, 64)
	if appt["status"] != "booked" || err != nil {
		t.Fatalf("$book: %v", booked)
	}

	// In the clinic's agenda, as its systems read it, and in FHIR's.
	agenda := system("GET", "/api/v1/clinic/agenda?from="+tomorrow+"&days=1", nil, 200)
	var inAgenda bool
	for _, a := range agenda["appointments"].([]any) {
		a := a.(map[string]any)
		if a["id"] == float64(id) {
			inAgenda = a["status"] == "booked" && a["booked_by"] == string(rdv.ByStaff) && a["channel"] == string(rdv.API)
		}
	}
	if !inAgenda {
		t.Errorf("appointment %d not in the clinic's agenda as the desk's booking by API: %v", id, agenda)
	}
	if got := system("GET", "/fhir/Appointment?date="+tomorrow, nil, 200); !bytes.Contains([]byte(mustJSON(t, got)), []byte(`"id":"`+appt["id"].(string)+`"`)) {
		t.Errorf("not in FHIR's agenda: %v", got)
	}

	// The webhook, signed: the reference library checks it with the
	// endpoint's secret, and a body changed by one byte fails.
	verify, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case h := <-hooks:
		if err := verify.Verify(h.body, h.header); err != nil {
			t.Fatalf("signature: %v\n%s", err, h.body)
		}
		if err := verify.Verify(append(bytes.Clone(h.body), ' '), h.header); err == nil {
			t.Error("a changed body verified")
		}
		var p struct {
			Type string
			Data struct {
				AppointmentID int64 `json:"appointment_id"`
				ClinicID      int64 `json:"clinic_id"`
			}
		}
		if err := json.Unmarshal(h.body, &p); err != nil || p.Type != string(rdv.EventBooked) || p.Data.AppointmentID != id || p.Data.ClinicID != 1 {
			t.Errorf("webhook %s (%v), want appointment %d booked", h.body, err, id)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no webhook in 30 s")
	}
}
