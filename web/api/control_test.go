package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// controlCases are names that no person types: a null, a header injection
// and a right-to-left override that shows "Abacd" for "Ab\u202edcba".
var controlCases = []struct{ name, value string }{
	{"null", "Jean\x00Nul"},
	{"header injection", "A\r\nSet-Cookie: x=1"},
	{"tab", "Jean\tNul"},
	{"escape", "Jean\x1b[2J"},
	{"right-to-left override", "Ab\u202edcba"},
	{"isolate", "Ab\u2067cd"},
	{"right-to-left mark", "Ab\u200f"},
}

// TestControlCharactersRefused sends each control case in each text field
// of a booking and of an appointment request: every one is a 422 on that
// field that says why, in French and in English, and nothing is booked.
func TestControlCharactersRefused(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	withRequests(t, a)
	holdID := a.hold(slotFree, "")
	child := map[string]any{"first_name": "Léo", "last_name": "Bouchard", "birth_date": "2024-02-29", "health_number": "BOUL24022919", "phone": "514-555-0142"}
	fields := []struct {
		field string
		body  func(v string) string
	}{
		{"patient.first_name", func(v string) string { return confirmBody(t, holdID, with(patientJSON, "first_name", v)) }},
		{"patient.last_name", func(v string) string { return confirmBody(t, holdID, with(patientJSON, "last_name", v)) }},
		{"guardian.first_name", func(v string) string {
			return jsonOf(t, map[string]any{"hold_id": holdID, "patient": child, "guardian": with(patientJSON, "first_name", v)})
		}},
		{"guardian.last_name", func(v string) string {
			return jsonOf(t, map[string]any{"hold_id": holdID, "patient": child, "guardian": with(patientJSON, "last_name", v)})
		}},
		{"patient.first_name", func(v string) string { return requestWith(t, "first_name", v) }},
		{"place", func(v string) string { return requestWith(t, "place", "Trois-Rivières "+v) }},
	}
	for _, c := range controlCases {
		for _, f := range fields {
			url := "/api/v1/appointments"
			if !strings.Contains(f.body("x"), "hold_id") {
				url = "/api/v1/requests"
			}
			t.Run(c.name+"/"+url+"/"+f.field, func(t *testing.T) {
				for lang, want := range map[string]string{"fr": "caractère invisible de contrôle", "en": "invisible control or text-direction character"} {
					res, raw := a.do(request{method: "POST", url: url, body: f.body(c.value), headers: map[string]string{"Accept-Language": lang}})
					var e struct {
						Error struct{ Code, Field, Message string }
					}
					if err := json.Unmarshal(raw, &e); err != nil || res.StatusCode != http.StatusUnprocessableEntity {
						t.Fatalf("%s: %d %s", lang, res.StatusCode, raw)
					}
					if e.Error.Field != f.field || !strings.Contains(e.Error.Message, want) {
						t.Fatalf("%s: field %q message %q, want %q and a message with %q", lang, e.Error.Field, e.Error.Message, f.field, want)
					}
				}
			})
		}
	}
	// Line breaks are how people write their availability on several
	// lines; other control characters are not.
	a.call(request{method: "POST", url: "/api/v1/requests", body: requestWith(t, "availability", "Lundi matin\r\nMardi soir")}, http.StatusCreated)
	a.call(request{method: "POST", url: "/api/v1/requests", body: requestWith(t, "availability", "Lundi\x00")}, http.StatusUnprocessableEntity)
	// The hold was never used: every refusal left it as it was.
	a.call(request{method: "POST", url: "/api/v1/appointments", body: confirmBody(t, holdID, patientJSON)}, http.StatusCreated)
}

// requestWith is the valid appointment request with one field (of the
// request, or else of its patient) set to v.
func requestWith(t *testing.T, field, v string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(validRequest), &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m[field]; ok {
		m[field] = v
	} else {
		m["patient"].(map[string]any)[field] = v
	}
	return jsonOf(t, m)
}
