package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestOperatorLoadEndToEnd: on the real server, a signed-in operator's
// load page shows admission control's and the waiting room's live state,
// and reloads itself.
func TestOperatorLoadEndToEnd(t *testing.T) {
	_, base := startServer(t, "--waitroom-secret", strings.Repeat("s", 32))
	mustCreateOperator(t, base)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(path string) (int, string) {
		t.Helper()
		res, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	_, form := get("/connexion?lang=en")
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(form)
	if token == nil {
		t.Fatalf("no CSRF token on the sign-in page:\n%s", form)
	}
	res, err := c.PostForm(base+"/connexion", url.Values{"email": {"operateur@reseau.example"}, "password": {operatorPassword}, "csrf": {token[1]}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()

	status, page := get("/operateur/charge")
	if status != http.StatusOK {
		t.Fatalf("load page: status %d\n%s", status, page)
	}
	for _, want := range []string{`<div id="live" data-every="2">`, "Concurrency limit", "Operators and probes", "Waiting room", "Closed", "Bookable slots in the index"} {
		if !strings.Contains(page, want) {
			t.Errorf("the load page lacks %q", want)
		}
	}
	for _, unwanted := range []string{"does not report its state", "has no waiting room"} {
		if strings.Contains(page, unwanted) {
			t.Errorf("the load page says %q: a snapshot is not wired", unwanted)
		}
	}
}
