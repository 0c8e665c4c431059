package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"rdv"
	"rdv/auth"
	"rdv/ical"
	"rdv/ical/icaltest"
	"rdv/sqlite"
	"rdv/webhook"
)

// TestClinicHearsOfWebBooking plays, on the real server, a patient who
// books on the site and then cancels, and the clinic's two systems that
// follow its agenda without asking anyone: its record system, an HTTPS
// endpoint registered for its webhooks, which receives the booking and
// the cancellation signed with the endpoint's secret (checked with the
// Standard Webhooks reference library, the body naming no patient); and
// its staff's calendar, subscribed to the clinic's feed, which reads the
// appointment, then not. The patient's own .ics and the feed are read by
// both iCalendar parsers, with the appointment's one UID and its
// SEQUENCE, and then all by ical.js in one run.
func TestClinicHearsOfWebBooking(t *testing.T) {
	type hook struct {
		header http.Header
		body   []byte
	}
	hooks := make(chan hook, 10)
	endpoint := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hooks <- hook{r.Header.Clone(), body}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer endpoint.Close()

	secret := webhook.NewSecret()
	feed := "rdvc_" + auth.NewToken()
	db := smallNetworkDB(t, func(s *sqlite.Store) error {
		ctx, now := context.Background(), time.Now()
		if _, err := s.AddWebhookEndpoint(ctx, rdv.WebhookEndpoint{ClinicID: 1, URL: endpoint.URL + "/rdv",
			Events: []rdv.EventType{rdv.EventBooked, rdv.EventCancelled}, Secret: secret, CreatedAt: now}); err != nil {
			return err
		}
		_, err := s.AddClinicToken(ctx, rdv.ClinicToken{ClinicID: 1, Kind: rdv.CalendarFeed, Name: "Accueil", Prefix: rdv.TokenPrefix(feed),
			CreatedAt: now}, auth.HashToken(feed))
		return err
	})
	// The platform's sender reaches public addresses only: this endpoint
	// is the test's, on loopback, with its own certificate.
	_, base := startMainWith(t, func(m *Main) { m.WebhookClient = endpoint.Client() }, "--db", db)

	// The patient books clinic 1's first time on the site.
	found := call(t, "GET", base+"/api/v1/slots?place=Montr%C3%A9al&radius_km=50&service=general&limit=50", nil, http.StatusOK)
	var slot any
	for _, s := range found["slots"].([]any) {
		if c, _ := s.(map[string]any)["clinic"].(map[string]any); c != nil && c["id"] == float64(1) {
			slot = s.(map[string]any)["id"]
			break
		}
	}
	if slot == nil {
		t.Fatalf("no slot of clinic 1 in %v", found)
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
	hidden := func(page, name string) string {
		t.Helper()
		m := regexp.MustCompile(`name="` + name + `" value="([^"]+)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("the page has no %s:\n%s", name, page)
		}
		return m[1]
	}
	_, results := send(http.MethodGet, "/recherche?service=general&lieu=Montr%C3%A9al", nil)
	res, form := send(http.MethodPost, "/reserver", url.Values{"slot_id": {fmt.Sprint(slot)}, "csrf": {hidden(results, "csrf")}})
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Request.URL.Path, "/reservation/") {
		t.Fatalf("hold: status %d at %s", res.StatusCode, res.Request.URL)
	}
	res, _ = send(http.MethodPost, res.Request.URL.Path, url.Values{"csrf": {hidden(form, "csrf")}, "language": {"fr"},
		"first_name": {"Gabrielle"}, "last_name": {"Bouchard"}, "birth_date": {"1990-06-21"}, "health_number": {"BOUG90562114"}, "email": {"gabrielle@example.org"}})
	page := res.Request.URL
	id, err := strconv.ParseInt(strings.TrimPrefix(page.Path, "/rendez-vous/"), 10, 64)
	if res.StatusCode != http.StatusOK || err != nil || page.Query().Get("token") == "" {
		t.Fatalf("booking: status %d at %s", res.StatusCode, page)
	}

	verify, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	heard := func(want rdv.EventType) {
		t.Helper()
		select {
		case h := <-hooks:
			if err := verify.Verify(h.body, h.header); err != nil {
				t.Fatalf("signature: %v\n%s", err, h.body)
			}
			var p struct {
				Type string
				Data struct {
					AppointmentID int64 `json:"appointment_id"`
					ClinicID      int64 `json:"clinic_id"`
				}
			}
			if err := json.Unmarshal(h.body, &p); err != nil || p.Type != string(want) || p.Data.AppointmentID != id || p.Data.ClinicID != 1 {
				t.Errorf("webhook %s (%v), want appointment %d %s", h.body, err, id, want)
			}
			for _, who := range []string{"Gabrielle", "Bouchard", "BOUG", "example.org"} {
				if bytes.Contains(h.body, []byte(who)) {
					t.Errorf("the webhook tells %q of the patient: %s", who, h.body)
				}
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("no %s webhook in 30 s", want)
		}
	}
	heard(rdv.EventBooked)

	// The patient's calendar file, and the staff's feed.
	var bodies []string // every calendar read, for ical.js at the end
	ics := func() *icaltest.Component {
		t.Helper()
		res, body := send(http.MethodGet, "/rendez-vous/"+strconv.FormatInt(id, 10)+"/calendrier.ics?"+page.RawQuery, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("the appointment's .ics: %d", res.StatusCode)
		}
		bodies = append(bodies, body)
		ev := icaltest.MustParse(t, body).Event(t)
		if ev.Prop("UID") != ical.UID(id) || !strings.HasPrefix(ev.Prop("URL"), base+"/rendez-vous/"+strconv.FormatInt(id, 10)+"?token=") {
			t.Errorf("the appointment's .ics: %v", ev.Props)
		}
		return ev
	}
	type feedAnswer struct {
		status int
		etag   string
		events map[string]int // UID: SEQUENCE
	}
	readFeed := func(etag string) feedAnswer {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+"/calendrier/"+feed+".ics", nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		out := feedAnswer{status: res.StatusCode, etag: res.Header.Get("ETag"), events: map[string]int{}}
		if res.StatusCode != http.StatusOK {
			return out
		}
		if strings.Contains(string(body), "Bouchard") {
			t.Error("the feed names the patient")
		}
		checked, err := icaltest.Independent(string(body))
		if err != nil {
			t.Fatalf("feed: %v\n%s", err, body)
		}
		icaltest.MustParse(t, string(body))
		bodies = append(bodies, string(body))
		for _, e := range checked {
			out.events[e.UID] = e.Sequence
		}
		return out
	}
	if ev := ics(); ev.Sequence(t) != 0 || ev.Prop("STATUS") != "CONFIRMED" {
		t.Errorf("booked: %v", ev.Props)
	}
	booked := readFeed("")
	if seq, ok := booked.events[ical.UID(id)]; booked.status != http.StatusOK || !ok || seq != 0 {
		t.Fatalf("the feed after the booking: %+v", booked)
	}
	if again := readFeed(booked.etag); again.status != http.StatusNotModified {
		t.Errorf("the feed again with its tag: %d", again.status)
	}

	// The patient cancels: the record system hears of it, the feed drops
	// it, the patient's file says so with a higher SEQUENCE.
	res, ask := send(http.MethodGet, page.Path+"/annuler?"+page.RawQuery, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("cancel confirmation: %d", res.StatusCode)
	}
	if res, _ = send(http.MethodPost, page.Path+"/annuler", url.Values{"csrf": {hidden(ask, "csrf")}, "token": {page.Query().Get("token")}}); res.StatusCode != http.StatusOK {
		t.Fatalf("cancel: %d", res.StatusCode)
	}
	heard(rdv.EventCancelled)
	if ev := ics(); ev.Sequence(t) != 1 || ev.Prop("STATUS") != "CANCELLED" {
		t.Errorf("cancelled: %v", ev.Props)
	}
	after := readFeed(booked.etag)
	if _, ok := after.events[ical.UID(id)]; after.status != http.StatusOK || ok || after.etag == booked.etag {
		t.Errorf("the feed after the cancellation: %+v", after)
	}
	// A subtest, so that a machine without ical.js skips only this.
	t.Run("ical.js", func(t *testing.T) { icaltest.MustICALJS(t, bodies) })
}
