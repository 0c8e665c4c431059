package fhir

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"rdv"
	"rdv/availability"
)

// FuzzSearchParams: a FHIR search's query string is refused, or read
// within the bounds the bundles are built with.
func FuzzSearchParams(f *testing.F) {
	for _, q := range []string{
		"service-type=general&start=ge2030-03-04&start=lt2030-03-05&_count=5",
		"_count=-1", "_count=999999999999999999999", "_format=xml", "_format=application/fhir+json",
		"unknown=1", "start=zz2030-03-04", "start=2030-03-04T09:00:00-05:00", "%zz", "",
	} {
		f.Add(q)
	}
	known := names("Slot")
	f.Fuzz(func(t *testing.T, raw string) {
		r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/fhir/Slot", RawQuery: raw}}
		p, err := parseSearch(r, known...)
		if err != nil {
			return
		}
		if p.count < 0 || p.count > maxCount {
			t.Fatalf("%q: _count read as %d", raw, p.count)
		}
		// The dates of a search read without failing loudly, whatever
		// their prefix; an empty range is the caller's to answer.
		_, _, _ = parseDateRange(p.Values["start"], "start")
	})
}

// FuzzIDs: the ids a client puts in a path or a reference read back as
// the ids rdv writes, or not at all: one resource, one id.
func FuzzIDs(f *testing.F) {
	for _, s := range []string{"12", "012", "+12", "-12", "9223372036854775807", "9223372036854775808", "12-pediatrics", "12-nothing",
		"slot-7", "hold-68", "hold-", "hold-zz", "1712000000000000000.3", "5.-1", "1.+2", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, ok := parseID(s); ok && (n <= 0 || idOf(n) != s) {
			t.Fatalf("id %q read as %d, written %q", s, n, idOf(n))
		}
		if n, svc, ok := parseServiceID(s); ok && serviceID(n, svc) != s {
			t.Fatalf("service id %q read as %d, %q, written %q", s, n, svc, serviceID(n, svc))
		}
		if ref, ok := parseAppointmentID(s); ok {
			var back string
			switch {
			case ref.hold != "":
				back = holdAppointmentID(ref.hold)
			case ref.slot != 0:
				back = proposedID(ref.slot)
			default:
				back = idOf(ref.appointment)
			}
			if back != s {
				t.Fatalf("appointment id %q read as %+v, written %q", s, ref, back)
			}
		}
		if c, ok := parseCursor(s); ok {
			if again, ok := parseCursor(c.String()); !ok || again != c {
				t.Fatalf("cursor %q read as %+v, written %q, read again as %+v", s, c, c.String(), again)
			}
		}
	})
}

// FuzzNear: a near parameter names a point on Earth and a radius, or is
// refused.
func FuzzNear(f *testing.F) {
	for _, s := range []string{"45.5|-73.6", "45.5|-73.6|10|km", "45.5|-73.6|10|mi", "NaN|0", "0|NaN|NaN", "91|0", "45|-73|-1", "45|-73|1e400", "||", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pt, err := parseNear(s, "location")
		if err != nil {
			return
		}
		if !(pt.lat >= -90 && pt.lat <= 90) || !(pt.lon >= -180 && pt.lon <= 180) || !(pt.km >= 0 && pt.km <= 1000) || math.IsNaN(pt.km) {
			t.Fatalf("%q read as %+v", s, pt)
		}
	})
}

// A Patient that $book takes, in a Parameters's patient-resource.
const fuzzPatient = `{"resourceType":"Patient","identifier":[{"system":"https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id","value":"TREE80011212"}],` +
	`"name":[{"family":"Tremblay","given":["Émile"]}],"birthDate":"1980-01-12","telecom":[{"system":"phone","value":"514-555-0123"},{"system":"email","value":"e@example.org"}],` +
	`"communication":[{"language":{"coding":[{"code":"fr-CA"}]}}]}`

// operationBodies are the operations that read a Parameters body from
// anyone, each with a body it accepts (on a fresh network) to start the
// fuzzer from.
var operationBodies = []struct{ path, seed string }{
	{"/fhir/Appointment/$find", `{"resourceType":"Parameters","parameter":[{"name":"start","valueDate":"2030-03-04"},{"name":"end","valueDate":"2030-03-06"},{"name":"service-type","valueCode":"general"},{"name":"_count","valueInteger":3}]}`},
	{"/fhir/Appointment/$hold", `{"resourceType":"Parameters","parameter":[{"name":"appointment-reference","valueReference":{"reference":"Appointment/slot-1"}}]}`},
	{"/fhir/Appointment/$book", `{"resourceType":"Parameters","parameter":[{"name":"appointment-reference","valueReference":{"reference":"Appointment/slot-3"}},{"name":"patient-resource","resource":` + fuzzPatient + `}]}`},
	// The cancellation: $book of a cancelled Appointment, with its token.
	{"/fhir/Appointment/$book", `{"resourceType":"Parameters","parameter":[{"name":"appointment-resource","resource":{"resourceType":"Appointment","id":"1","status":"cancelled",` +
		`"identifier":[{"system":"urn:rdv:appointment-token","value":"not-the-token"}]}}]}`},
}

// FuzzOperations: whatever Parameters a client posts to $find, $hold or
// $book, the real server over a real store answers it: done, or refused
// with a 4xx OperationOutcome that left the free slots as they were;
// never a 5xx, never a panic.
func FuzzOperations(f *testing.F) {
	srv, index := newFuzzFHIR(f)
	for i, b := range operationBodies {
		f.Add(uint8(i), b.seed)
		f.Add(uint8(i), "")
		f.Add(uint8(i), "{")
		f.Add(uint8(i), `{"resourceType":"Patient"}`)
		f.Add(uint8(i), `{"resourceType":"Parameters","parameter":null}`)
		f.Add(uint8(i), `{"resourceType":"Parameters","parameter":[{"name":"appointment-resource","resource":[]},{"name":"patient-resource","resource":"x"}]}`)
		f.Add(uint8(i), `{"resourceType":"Parameters","parameter":[{"name":"appointment-resource","resource":{"resourceType":"Appointment","slot":[{"reference":"Slot/1"},{"reference":"Slot/2"}]}}]}`)
		f.Add(uint8(i), `{"resourceType":"Parameters","parameter":[{"name":"appointment-reference","valueReference":{"reference":"Appointment/hold-"}},{"name":"patient-resource","resource":{"resourceType":"Patient","birthDate":"1980-02-30"}}]}`)
		f.Add(uint8(i), `{"resourceType":"Parameters","parameter":[{"name":"start","valueDate":"2030-03-06"},{"name":"end","valueDate":"2030-03-04"},{"name":"near","valueString":"NaN|0"},{"name":"_page","valueString":"1.-1"},{"name":"_count","valueInteger":-1}]}`)
		// A proposed slot booked for a patient the engine refuses: the
		// hold $book took for it was kept, unseen, until it ran out. Each
		// operation has its own free slot (5 to 8), so that $hold's seed
		// does not take $book's.
		f.Add(uint8(i), `{"resourceType":"Parameters","parameter":[{"name":"appointment-reference","valueReference":{"reference":"Appointment/slot-`+strconv.Itoa(5+i)+`"}},`+
			`{"name":"patient-resource","resource":{"resourceType":"Patient","name":[{"family":"T","given":["É"]}],"identifier":[{"system":"https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id","value":"X"}]}}]}`)
		f.Add(uint8(i), strings.Replace(b.seed, `"Parameters"`, `"Parameters","resourceType":"Bundle"`, 1))
	}
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		path := operationBodies[int(op)%len(operationBodies)].path
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.RemoteAddr = "192.0.2.9:40000"
		req.Header.Set("Content-Type", "application/fhir+json")
		before := index.Len()
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("POST %s %q: status %d: %s", path, body, rec.Code, rec.Body)
		}
		if rec.Code < 400 {
			return
		}
		var oo OperationOutcome
		if err := json.Unmarshal(rec.Body.Bytes(), &oo); err != nil || oo.ResourceType != "OperationOutcome" || len(oo.Issue) == 0 {
			t.Fatalf("POST %s %q: status %d and no OperationOutcome: %s", path, body, rec.Code, rec.Body)
		}
		if after := index.Len(); after != before {
			t.Fatalf("POST %s %q: refused (%d), and %d free slots are now %d", path, body, rec.Code, before, after)
		}
	})
}

// FuzzPatientResource: a Patient read for $book maps its elements to the
// booking's people or is refused as the parameter it came in; a child's
// contact always comes with a relationship.
func FuzzPatientResource(f *testing.F) {
	for _, s := range []string{fuzzPatient, `{"resourceType":"Patient"}`, `{"resourceType":"Patient","birthDate":"1980-02-30"}`,
		`{"resourceType":"Patient","birthDate":"1980-1-2"}`, `{"resourceType":"Patient","name":[{"given":null}],"telecom":[{"system":"sms"}]}`,
		`{"resourceType":"Patient","communication":[{"language":{"coding":[{"code":"-"},{"code":"en-"}]}}],"contact":[{"relationship":[{"coding":[{"code":"GUARD"}]}]}]}`,
		`{"resourceType":"Patient","contact":[{"name":null,"telecom":[{"system":"email","value":"p@example.org"}]}]}`,
		`{"resourceType":"Appointment"}`, `[]`, `null`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		ci, err := confirmInput(json.RawMessage(raw))
		if err != nil {
			var fe *fhirError
			if !(errors.As(err, &fe) && fe.expr == "patient-resource") && rdv.ErrorField(err) != "patient.birth_date" {
				t.Fatalf("%q refused: %v", raw, err)
			}
			return
		}
		p := ci.Patient
		if p.Language != "" && p.Language != "fr" && p.Language != "en" {
			t.Fatalf("%q read with language %q", raw, p.Language)
		}
		if p.BirthDate != (rdv.Date{}) {
			if d, err := rdv.ParseDate(p.BirthDate.String()); err != nil || d != p.BirthDate {
				t.Fatalf("%q read with birth date %v, which reads back as %v, %v", raw, p.BirthDate, d, err)
			}
		}
		if ci.Guardian != nil && ci.Relationship == "" || ci.Guardian == nil && ci.Relationship != "" {
			t.Fatalf("%q read with guardian %v, relationship %q", raw, ci.Guardian, ci.Relationship)
		}
	})
}

// newFuzzFHIR is newTestFHIR's server, made once for a whole fuzz run,
// with its index, whose count of free slots tells whether a request took
// or gave back one.
func newFuzzFHIR(f *testing.F) (*Server, *availability.Index) {
	h := newFHIR(f)
	return h.srv, h.index
}
