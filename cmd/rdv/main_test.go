package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/sqlite"
	"rdv/storetest"
)

// lockedBuffer collects a server's output safely across goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// startServer runs the real Main on port 0 over a database holding the
// small test network, and stops it when the test ends.
func startServer(t *testing.T, extra ...string) (*Main, string) {
	t.Helper()
	return startMain(t, append([]string{"--db", smallNetworkDB(t, nil)}, extra...)...)
}

// smallNetworkDB returns the path of a new SQLite database holding the
// small test network, after edit (nil: none) has had its say on it.
func smallNetworkDB(t *testing.T, edit func(*sqlite.Store) error) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rdv.db")
	s, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustLoad(t, s, storetest.SmallNetwork(rdv.DateOf(time.Now())))
	if edit != nil {
		if err := edit(s); err != nil {
			s.Close()
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// startMain runs the real Main's serve on port 0 with args, and stops it
// when the test ends.
func startMain(t testing.TB, args ...string) (*Main, string) {
	t.Helper()
	return startMainWith(t, nil, args...)
}

// startMainWith is startMain with edit applied to the Main before it
// runs (nil: none).
func startMainWith(t testing.TB, edit func(*Main), args ...string) (*Main, string) {
	t.Helper()
	out := &lockedBuffer{}
	m := NewMain()
	m.Stdout, m.Stderr = out, out
	m.Log = slog.New(slog.NewTextHandler(out, nil))
	if edit != nil {
		edit(m)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	args = append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)
	if !slices.Contains(args, "--spool") {
		// The default spool sits beside the database, or in the working
		// directory for PostgreSQL: keep tests out of the source tree.
		args = append(args, "--spool", filepath.Join(t.TempDir(), "requests.spool"))
	}
	if !slices.Contains(args, "--metrics-addr") {
		// Tests run side by side: each server's metrics on a port of its own.
		args = append(args, "--metrics-addr", "127.0.0.1:0")
	}
	go func() { done <- m.Run(runCtx, args) }()
	select {
	case <-m.Ready():
	case err := <-done:
		t.Fatalf("serve stopped before listening: %v\n%s", err, out)
	case <-time.After(30 * time.Second):
		t.Fatalf("serve not ready after 30 s\n%s", out)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v\n%s", err, out)
		}
		if t.Failed() {
			// A 500 the test saw has its cause in the server's log.
			for line := range strings.Lines(out.String()) {
				if strings.Contains(line, "level=ERROR") {
					t.Logf("server: %s", strings.TrimSpace(line))
				}
			}
		}
	})
	if !strings.Contains(out.String(), "rdv listening on "+m.URL()) {
		t.Errorf("serve did not print its URL:\n%s", out)
	}
	return m, m.URL()
}

func call(t *testing.T, method, url string, body any, want int) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, url, res.StatusCode, want, raw)
	}
	var v map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, raw)
		}
	}
	return v
}

// TestServeEndToEnd books through the real server: search, hold, confirm,
// see the slot leave search, cancel, see it come back.
func TestServeEndToEnd(t *testing.T) {
	_, base := startServer(t)
	call(t, "GET", base+"/healthz", nil, 200)
	call(t, "GET", base+"/readyz", nil, 200)
	clinics := call(t, "GET", base+"/api/v1/clinics", nil, 200)
	if n, _ := clinics["total"].(float64); n < 1 {
		t.Fatalf("no clinics: %v", clinics)
	}

	search := func() []any {
		v := call(t, "GET", base+"/api/v1/slots?place=Montr%C3%A9al&radius_km=250&service=general&limit=100", nil, 200)
		slots, _ := v["slots"].([]any)
		return slots
	}
	slots := search()
	if len(slots) == 0 {
		t.Fatal("search found no slot")
	}
	slotID := slots[0].(map[string]any)["id"]
	hold := call(t, "POST", base+"/api/v1/holds", map[string]any{"slot_id": slotID}, 201)
	appt := call(t, "POST", base+"/api/v1/appointments", map[string]any{
		"hold_id": hold["hold_id"],
		"patient": map[string]any{"first_name": "Léa", "last_name": "Tremblay", "birth_date": "1985-04-07",
			"health_number": "TREL85540712", "phone": "514-555-0123", "email": "lea@example.org", "language": "fr"},
	}, 201)
	if appt["status"] != "booked" || appt["cancel_token"] == "" {
		t.Fatalf("confirm: %v", appt)
	}
	if containsSlot(search(), slotID) {
		t.Fatal("a booked slot is still offered")
	}
	call(t, "POST", base+"/api/v1/holds", map[string]any{"slot_id": slotID}, 409)
	id := fmt.Sprint(appt["id"])
	call(t, "POST", base+"/api/v1/appointments/"+id+"/cancel", map[string]any{"token": appt["cancel_token"]}, 200)
	if !containsSlot(search(), slotID) {
		t.Fatal("a cancelled slot is not offered again")
	}
	page, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if page.StatusCode != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("home page: %d %s", page.StatusCode, page.Header.Get("Content-Type"))
	}
}

func containsSlot(slots []any, id any) bool {
	for _, s := range slots {
		if s.(map[string]any)["id"] == id {
			return true
		}
	}
	return false
}

func TestServeRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--hold-ttl", "1s"},
		{"serve", "--proposal-ttl", "10s"},
		{"serve", "--max-live-holds", "0"},
		{"serve", "--nope"},
		{"frobnicate"},
	} {
		m := NewMain()
		m.Stdout, m.Stderr = io.Discard, io.Discard
		if err := m.Run(context.Background(), args); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// TestBadEnvironmentStopsStart: a malformed RDV_… value is an error at
// start that names the variable, for every command that reads it, rather
// than a default taken silently. Each command fails before it opens a
// database.
func TestBadEnvironmentStopsStart(t *testing.T) {
	tests := []struct {
		name, value string
		args        []string
	}{
		{"RDV_HOLD_TTL", "5", []string{"serve"}},
		{"RDV_MAX_LIVE_HOLDS", "three", []string{"serve"}},
		{"RDV_HTTPS_PROXY", "yes please", []string{"serve"}},
		{"RDV_WAITROOM_RATE", "fast", []string{"serve"}},
		{"RDV_WAITROOM_SESSION", "15", []string{"serve"}},
		{"RDV_SQLITE_READ_CONNS", "many", []string{"migrate"}},
		{"RDV_PG_MAX_CONNS", "lots", []string{"demo"}},
		{"RDV_PG_MIN_CONNS", "-", []string{"account", "create", "--email", "a@example.org", "--role", "operator"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("RDV_DB", filepath.Join(t.TempDir(), "never.db"))
			t.Setenv(tt.name, tt.value)
			m := NewMain()
			m.Stdout, m.Stderr = io.Discard, io.Discard
			err := m.Run(t.Context(), tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.name) {
				t.Fatalf("%s=%q: %v; want an error naming it", tt.name, tt.value, err)
			}
			if _, statErr := os.Stat(os.Getenv("RDV_DB")); statErr == nil {
				t.Fatal("the command opened its database before refusing")
			}
		})
	}
}

func TestBehindHTTPSProxyMarksCookiesSecure(t *testing.T) {
	_, base := startServer(t, "--https-proxy")
	res, err := http.Get(base + "/?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS header")
	}
	cookies := res.Cookies()
	if len(cookies) == 0 {
		t.Fatal("the language switch set no cookie")
	}
	for _, c := range cookies {
		if !c.Secure {
			t.Errorf("cookie %s not Secure behind an HTTPS proxy", c.Name)
		}
	}
}
