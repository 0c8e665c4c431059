package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
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
	get("/connexion?lang=en") // the language, kept by a cookie
	if status, page := signInHTTP(t, c, base, "operateur@reseau.example", operatorPassword); status != http.StatusOK {
		t.Fatalf("sign in: status %d\n%s", status, page)
	}

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
