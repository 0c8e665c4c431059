package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"rdv"
	"rdv/web"
)

// TestFHIRRecordSystemWithToken plays, on the real server, the clinic's
// record system the issue describes. The clinic's admin, signed in with
// the second factor, makes its API token and adds its webhook endpoint on
// the portal's integration pages, each secret read from the page that
// shows it once. With the token the system reads the CapabilityStatement,
// finds its clinic's slots, holds one and books it through FHIR; the
// booking is in the clinic's agenda (the API, with the same token), in
// FHIR's, and on the desk's day agenda, the page the receptionist reads;
// the endpoint receives the webhook, whose signature the Standard
// Webhooks reference library checks, and the admin sees its delivery in
// the portal's log.
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
	// The portal refuses a private address and the platform's sender
	// reaches public ones only: the endpoint has a public name, which
	// its certificate covers, and the sender the test gives the server
	// dials the test's server on loopback whatever the name.
	const hookURL = "https://dossier.example.com/rdv"
	client := endpoint.Client()
	transport := client.Transport.(*http.Transport).Clone()
	transport.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, endpoint.Listener.Addr().String())
	}
	client.Transport = transport

	db := smallNetworkDB(t, nil)
	mustCreateStaff(t, "admin@plateau.example", rdv.ClinicAdmin, 1)
	mustCreateStaff(t, "accueil@plateau.example", rdv.Receptionist, 1)
	_, base := startMainWith(t, func(m *Main) { m.WebhookClient = client }, "--db", db)

	admin := staffVisitor(t, base, "admin@plateau.example")
	token, secret := portalIntegrations(t, admin, hookURL)

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
	start, err := time.Parse(time.RFC3339, appt["start"].(string))
	if err != nil {
		t.Fatalf("$book: start %v: %v", appt["start"], err)
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

	// On the desk's day agenda: the patient as the system booked them,
	// at the time FHIR gave.
	desk := staffVisitor(t, base, "accueil@plateau.example")
	day := desk.get("/clinique?date="+tomorrow, 200)
	row := rowWith(day.body, `href="/clinique/rendez-vous/`+appt["id"].(string))
	for _, want := range []string{">" + web.FormatClock(start, "fr") + "</a>", "<strong>Camille Bouchard</strong>", `class="state s-booked"`} {
		if !strings.Contains(row, want) {
			t.Errorf("the desk's agenda of %s: the appointment's row lacks %q:\n%s", tomorrow, want, row)
		}
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

	// The delivery in the portal's log, accepted: the sender records the
	// answer once the endpoint has given it, so the admin may have to
	// look again.
	deadline := time.Now().Add(30 * time.Second)
	for {
		logged := admin.get("/clinique/webhooks", 200)
		row := rowWith(logged.body, `<a href="/clinique/rendez-vous/`+appt["id"].(string)+`">`)
		if strings.Contains(row, `class="state d-delivered"`) {
			for _, want := range []string{"<code>" + hookURL + "</code>", "<td>204</td>"} {
				if !strings.Contains(row, want) {
					t.Errorf("the delivery log's row lacks %q:\n%s", want, row)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delivery log shows no accepted delivery of appointment %d in 30 s:\n%s", id, logged.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// staffVisitor signs in a staff account of the desk tests (with the
// second step when its role must have one) and returns its browser.
func staffVisitor(t *testing.T, base, email string) *visitor {
	t.Helper()
	v := newVisitor(t, base, &seen{})
	if st, page := signInHTTP(t, v.c, base, email, staffPassword); st != 200 {
		t.Fatalf("sign in as %s: status %d\n%s", email, st, page)
	}
	return v
}

// shownSecretRe finds the secret an integration page shows once.
var shownSecretRe = regexp.MustCompile(`<input id="f-secret" type="text" readonly value="([^"]+)"`)

// portalIntegrations makes, as the clinic's admin on the portal's pages,
// an API token for the record system (reading the agenda, booking) and a
// webhook endpoint at hookURL that hears of bookings; it returns the
// token and the endpoint's signing secret, each read from the page that
// shows it once.
func portalIntegrations(t *testing.T, admin *visitor, hookURL string) (token, secret string) {
	t.Helper()
	shown := func(a answer, path string) string {
		t.Helper()
		m := shownSecretRe.FindStringSubmatch(a.body)
		if a.url.Path != path || m == nil {
			t.Fatalf("the form led to %s, which shows no secret:\n%s", a.url, a.body)
		}
		return html.UnescapeString(m[1])
	}
	tokens := admin.get("/clinique/jetons", 200)
	made := admin.submit(tokens, `action="/clinique/jetons"`, url.Values{"name": {"Dossier médical"},
		"scopes": {string(rdv.ScopeAgendaRead), string(rdv.ScopeAppointmentsWrite)}}, 200)
	token = shown(made, "/clinique/jetons")
	endpoints := admin.get("/clinique/webhooks", 200)
	added := admin.submit(endpoints, `action="/clinique/webhooks"`, url.Values{"url": {hookURL}, "events": {string(rdv.EventBooked)}}, 200)
	secret = shown(added, "/clinique/webhooks")
	if !strings.HasPrefix(token, "rdvk_") || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("token %q, webhook secret %q", token, secret)
	}
	return token, secret
}

// rowsRe finds a page's table rows.
var rowsRe = regexp.MustCompile(`(?s)<tr\b[^>]*>.*?</tr>`)

// rowWith returns the first table row of page that holds marker, "" if
// none does.
func rowWith(page, marker string) string {
	for _, row := range rowsRe.FindAllString(page, -1) {
		if strings.Contains(row, marker) {
			return row
		}
	}
	return ""
}
