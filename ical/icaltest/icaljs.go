package icaltest

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// icaljsEnv names the node_modules folder that holds ical.js; by default
// the module's .cache/ical/node_modules, where .ci/run installs it.
const icaljsEnv = "RDV_ICALJS_PATH"

// icaljsScript reads the bodies on stdin and answers one line each.
//
//go:embed icaljs.js
var icaljsScript string

// ErrNoICALJS is returned by ICALJS when node or ical.js is missing.
var ErrNoICALJS = errors.New("ical.js cannot run")

// icaljs returns the node_modules folder that holds ical.js and node, or
// why they cannot be had.
func icaljs() (modules, node string, err error) {
	modules = os.Getenv(icaljsEnv)
	if modules == "" {
		root, err := moduleRoot()
		if err != nil {
			return "", "", fmt.Errorf("%w: %v", ErrNoICALJS, err)
		}
		modules = filepath.Join(root, ".cache", "ical", "node_modules")
	}
	if node, err = exec.LookPath("node"); err != nil {
		return "", "", fmt.Errorf("%w: node is not installed", ErrNoICALJS)
	}
	if _, err := os.Stat(filepath.Join(modules, "ical.js", "package.json")); err != nil { // #nosec G703 -- the tests' own folder, named by whoever runs them
		return "", "", fmt.Errorf("%w: it is not installed in %s (.ci/run installs it)", ErrNoICALJS, modules)
	}
	return modules, node, nil
}

// moduleRoot finds the folder of go.mod above the working directory: the
// tests that call ICALJS run in their own package's folder, at any depth.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// ICALJS reads every body with ical.js, Mozilla's iCalendar parser
// (Thunderbird's), in one run of node: a third reader, written apart from
// rdv, from Parse and from golang-ical, that refuses a line it cannot
// split into name, parameters and value, a component left open and a
// malformed date-time. Of what it reads it checks the VCALENDAR's
// VERSION:2.0 and PRODID, and that each VEVENT has one UID, DTSTAMP and
// DTSTART, one DTEND or DURATION, and ends after it starts. It returns
// one error a body, nil for a body it takes, or an error wrapping
// ErrNoICALJS when node or ical.js is missing.
func ICALJS(bodies []string) ([]error, error) {
	modules, node, err := icaljs()
	if err != nil {
		return nil, err
	}
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, b := range bodies {
		if err := enc.Encode(b); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command(node, "-e", icaljsScript) // #nosec G204 -- node from PATH running the embedded script, for tests
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("ical.js: %v\n%s", err, stderr.String())
	}
	errs := make([]error, len(bodies))
	seen := make([]bool, len(bodies))
	read := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var res struct {
			Line     int      `json:"line"`
			Problems []string `json:"problems"`
		}
		if err := json.Unmarshal(sc.Bytes(), &res); err != nil || res.Line < 0 || res.Line >= len(bodies) || seen[res.Line] {
			return nil, fmt.Errorf("ical.js said %s", sc.Bytes())
		}
		seen[res.Line] = true
		read++
		if len(res.Problems) > 0 {
			errs[res.Line] = fmt.Errorf("ical.js: %s", strings.Join(res.Problems, "; "))
		}
	}
	if read != len(bodies) {
		return nil, fmt.Errorf("ical.js read %d calendars of %d", read, len(bodies))
	}
	return errs, nil
}

// RequireICALJS skips t on a machine without node or ical.js, never in
// CI (the CI variable set), where .ci/run installs them and t fails.
func RequireICALJS(t testing.TB) {
	t.Helper()
	if _, _, err := icaljs(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("in CI: %v", err)
		}
		t.Skip(err)
	}
}

// MustICALJS reads every body with ICALJS and fails t for each one that
// ical.js refuses; it skips t as RequireICALJS does.
func MustICALJS(t testing.TB, bodies []string) {
	t.Helper()
	RequireICALJS(t)
	if len(bodies) == 0 {
		t.Fatal("no calendar for ical.js to read")
	}
	errs, err := ICALJS(bodies)
	if err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("calendar %d: %v\n%s", i+1, err, bodies[i])
		}
	}
	t.Logf("ical.js read %d calendars", len(bodies))
}
