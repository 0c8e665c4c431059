package haproxy_test

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"rdv/deploy/haproxy"
)

var update = flag.Bool("update", false, "write the refusal pages anew")

// TestPages: the refusal pages HAProxy serves are what Pages makes from
// rdv's texts, so that a text changed in rdv is changed at the edge.
func TestPages(t *testing.T) {
	for name, want := range haproxy.Pages() {
		path := filepath.Join("pages", name)
		if *update {
			if err := os.MkdirAll("pages", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil { // #nosec G306 -- a page the edge serves to anyone
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path) // #nosec G304 -- the package's own pages
		if err != nil {
			t.Fatalf("%v (go test ./deploy/haproxy -run TestPages -update writes it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what Pages makes from rdv's texts: go test ./deploy/haproxy -run TestPages -update", path)
		}
		head, body, ok := strings.Cut(string(want), "\r\n\r\n")
		if !ok || !strings.HasPrefix(head, "HTTP/1.1 503 ") || !strings.Contains(head, "\r\nRetry-After: ") ||
			!strings.Contains(body, `lang="fr"`) || !strings.Contains(body, `lang="en"`) {
			t.Errorf("%s: want a 503 with Retry-After and both languages:\n%s", name, want)
		}
	}
}

// TestConfigIsValid: Debian's haproxy accepts the shipped configuration
// as deploy/cluster runs it.
func TestConfigIsValid(t *testing.T) {
	bin := needHAProxy(t)
	pages, err := filepath.Abs("pages")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", "-f", "haproxy.cfg") // #nosec G204 -- the test runs haproxy on the package's own file
	cmd.Env = append(os.Environ(), "RDV_EDGE_RUN="+t.TempDir(), "RDV_EDGE_PAGES="+pages)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("haproxy -c: %v\n%s", err, out)
	}
}

// TestRateWindow: the stick tables measure rates over the window the
// rate page's Retry-After is made from.
func TestRateWindow(t *testing.T) {
	cfg, err := os.ReadFile("haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	want := "gpc0_rate(" + haproxy.RateWindow.String() + ")"
	if n := strings.Count(string(cfg), want); n != 2 {
		t.Errorf("haproxy.cfg has %s %d times, want in both stick tables", want, n)
	}
}

// needHAProxy returns haproxy's path, or skips the test when it is not
// installed: never in CI, where .ci/run installs it.
func needHAProxy(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must run the edge's tests: haproxy is not installed (apt-get install haproxy)")
		}
		t.Skip("haproxy is not installed (apt-get install haproxy): the edge's test is skipped")
	}
	return bin
}
