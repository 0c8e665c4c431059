package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/sqlite"
)

// TestWaitingRoomEndToEnd: with the operators' switch on, the real server
// holds a new visitor in the waiting room, lets the probes through,
// answers API clients in JSON, and lets the visitor in once the line has
// moved.
func TestWaitingRoomEndToEnd(t *testing.T) {
	path := smallNetworkDB(t, func(s *sqlite.Store) error {
		return s.SetModes(context.Background(), rdv.Modes{WaitingRoom: true})
	})
	m, url := startMain(t, "--db", path, "--waitroom-secret", strings.Repeat("s", 32), "--waitroom-rate", "20")

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
	if res, _ := get(plain, "/healthz"); res.StatusCode != http.StatusOK {
		t.Errorf("/healthz: status %d; probes bypass the room", res.StatusCode)
	}
	// The edge's health checks read the room's state here.
	if res, _ := get(plain, "/readyz"); res.StatusCode != http.StatusOK || res.Header.Get("Waiting-Room") != "open" {
		t.Errorf("/readyz: status %d, Waiting-Room %q; want 200 and open", res.StatusCode, res.Header.Get("Waiting-Room"))
	}
	if body := scrapeMetrics(t, m); !strings.Contains(body, "rdv_waitroom_waiting") {
		t.Error("/metrics does not report the waiting room")
	}
	res, body := get(plain, "/api/v1/slots?near=45.5017,-73.5673&service=general")
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || !strings.Contains(body, `"waiting_room"`) {
		t.Fatalf("API client: status %d, Retry-After %q, body %s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}

	jar, _ := cookiejar.New(nil)
	visitor := &http.Client{Jar: jar}
	res, body = get(visitor, "/")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `id="place" role="status"`) {
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

// TestWaitingRoomLetsBookingsBeFinished: a patient who held a slot while
// the room was closed can still confirm it, read and cancel the booking
// once the room has opened, on the pages and through the API, without
// waiting in line; a new hold waits.
func TestWaitingRoomLetsBookingsBeFinished(t *testing.T) {
	path := smallNetworkDB(t, nil)
	ctx := context.Background()
	// The line barely moves: whoever gets a ticket keeps waiting.
	_, base := startMain(t, "--db", path, "--waitroom-secret", strings.Repeat("s", 32), "--waitroom-rate", "0.01")

	found := call(t, "GET", base+"/api/v1/slots?place=Montr%C3%A9al&radius_km=250&service=general&limit=5", nil, http.StatusOK)
	slots, _ := found["slots"].([]any)
	if len(slots) < 2 {
		t.Fatalf("want two slots to hold, found %v", found)
	}
	jar, _ := cookiejar.New(nil)
	patient := &http.Client{Jar: jar}
	send := func(method, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		var res *http.Response
		var err error
		if method == http.MethodPost {
			res, err = patient.PostForm(base+path, form)
		} else {
			res, err = patient.Get(base + path)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	// csrf is the form token of a page, bound to the browser's ID cookie.
	csrf := func(page string) string {
		t.Helper()
		m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("the page has no form token:\n%s", page)
		}
		return m[1]
	}

	// Room closed: the patient holds a slot on the site, an API client
	// another.
	_, results := send(http.MethodGet, "/recherche?service=general&lieu=Montr%C3%A9al", nil)
	res, body := send(http.MethodPost, "/reserver", url.Values{"slot_id": {fmt.Sprint(slots[0].(map[string]any)["id"])}, "csrf": {csrf(results)}})
	form := res.Request.URL.Path
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(form, "/reservation/") {
		t.Fatalf("hold on the site: status %d at %s\n%s", res.StatusCode, form, body)
	}
	hold := call(t, "POST", base+"/api/v1/holds", map[string]any{"slot_id": slots[1].(map[string]any)["id"]}, http.StatusCreated)

	// The room opens.
	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = s.SetModes(ctx, rdv.Modes{WaitingRoom: true})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	for tries := 0; ; tries++ {
		if tries == 100 {
			t.Fatal("the room did not open")
		}
		res, err := http.Get(base + "/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusServiceUnavailable {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// While the room was closed the patient's page views earned a pass,
	// which would carry them past the open room anyway. Drop it: what is
	// tested is that finishing a booking needs no pass at all.
	u, _ := url.Parse(base)
	jar.SetCookies(u, []*http.Cookie{{Name: "rdv_wr_pass", Path: "/", MaxAge: -1}, {Name: "rdv_wr_id", Path: "/", MaxAge: -1}})

	if res, body = send(http.MethodGet, form, nil); res.StatusCode != http.StatusOK || !strings.Contains(body, `action="`+form+`"`) {
		t.Fatalf("the held slot's form with the room open: status %d\n%s", res.StatusCode, body)
	}
	res, body = send(http.MethodPost, form, url.Values{"csrf": {csrf(body)}, "language": {"fr"},
		"first_name": {"Léa"}, "last_name": {"Tremblay"}, "birth_date": {"1985-04-07"}, "health_number": {"TREL85540712"}, "email": {"lea@example.org"}})
	page := res.Request.URL
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(page.Path, "/rendez-vous/") || page.Query().Get("token") == "" {
		t.Fatalf("confirm on the site with the room open: status %d at %s\n%s", res.StatusCode, page, body)
	}
	// Cancelling asks once: the confirmation page, then its post.
	if res, body = send(http.MethodGet, page.Path+"/annuler?"+page.RawQuery, nil); res.StatusCode != http.StatusOK {
		t.Fatalf("the cancel confirmation with the room open: status %d\n%s", res.StatusCode, body)
	}
	res, body = send(http.MethodPost, page.Path+"/annuler", url.Values{"csrf": {csrf(body)}, "token": {page.Query().Get("token")}})
	if res.StatusCode != http.StatusOK || res.Request.URL.Query().Get("avis") != "cancelled" {
		t.Fatalf("cancel on the site with the room open: status %d at %s\n%s", res.StatusCode, res.Request.URL, body)
	}
	for _, c := range jar.Cookies(u) {
		if strings.HasPrefix(c.Name, "rdv_wr_") {
			t.Errorf("the patient was given waiting-room cookie %s", c.Name)
		}
	}

	appt := call(t, "POST", base+"/api/v1/appointments", map[string]any{
		"hold_id": hold["hold_id"],
		"patient": map[string]any{"first_name": "Rosalie", "last_name": "Gauthier", "birth_date": "1969-11-30",
			"health_number": "GAUR69613012", "phone": "450-555-0177", "language": "fr"},
	}, http.StatusCreated)
	id, token := fmt.Sprint(appt["id"]), fmt.Sprint(appt["cancel_token"])
	call(t, "GET", base+"/api/v1/appointments/"+id+"?token="+url.QueryEscape(token), nil, http.StatusOK)
	call(t, "POST", base+"/api/v1/appointments/"+id+"/cancel", map[string]any{"token": token}, http.StatusOK)

	// A new hold is new demand: it waits.
	if v := call(t, "POST", base+"/api/v1/holds", map[string]any{"slot_id": slots[1].(map[string]any)["id"]}, http.StatusServiceUnavailable); v["waiting_room"] == nil {
		t.Fatalf("a new hold with the room open: %v", v)
	}
}
