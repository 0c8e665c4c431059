package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/sqlite"
	"rdv/storetest"
)

// TestWaitingRoomEndToEnd: with the operators' switch on, the real server
// holds a new visitor in the waiting room, lets the probes and metrics
// through, answers API clients in JSON, and lets the visitor in once the
// line has moved.
func TestWaitingRoomEndToEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rdv.db")
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustLoad(t, s, storetest.SmallNetwork(rdv.DateOf(time.Now())))
	if err := s.SetModes(ctx, rdv.Modes{WaitingRoom: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, url := startMain(t, "--db", path, "--waitroom-secret", strings.Repeat("s", 32), "--waitroom-rate", "20")

	get := func(c *http.Client, path string) (*http.Response, string) {
		t.Helper()
		res, err := c.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	plain := &http.Client{}
	for _, p := range []string{"/healthz", "/metrics"} {
		if res, _ := get(plain, p); res.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d; probes and metrics bypass the room", p, res.StatusCode)
		}
	}
	if _, body := get(plain, "/metrics"); !strings.Contains(body, "rdv_waitroom_waiting") {
		t.Error("/metrics does not report the waiting room")
	}
	res, body := get(plain, "/api/v1/slots?near=45.5017,-73.5673&service=general")
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || !strings.Contains(body, `"waiting_room"`) {
		t.Fatalf("API client: status %d, Retry-After %q, body %s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}

	jar, _ := cookiejar.New(nil)
	visitor := &http.Client{Jar: jar}
	res, body = get(visitor, "/")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `http-equiv="refresh"`) {
		t.Fatalf("first visit: status %d\n%s", res.StatusCode, body)
	}
	// The line moves every second; the visitor comes back as the page
	// would, and is let in with the same ticket.
	for tries := 0; ; tries++ {
		if tries == 60 {
			t.Fatal("the visitor was never let in")
		}
		time.Sleep(500 * time.Millisecond)
		if res, _ = get(visitor, "/"); res.StatusCode == http.StatusOK {
			break
		}
	}
	if res, _ = get(visitor, "/recherche?service=general&lieu=Montr%C3%A9al"); res.StatusCode != http.StatusOK {
		t.Fatalf("an admitted visitor's next page: status %d", res.StatusCode)
	}
}
