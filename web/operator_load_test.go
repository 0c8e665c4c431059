package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
)

// sampleLoad is a moment of a flood: a queue, shedding in the low
// classes and the waiting room opened by itself.
func sampleLoad() LoadSnapshot {
	return LoadSnapshot{
		Adaptive: true, ClientLimits: false, Limit: 37, InFlight: 35, Queued: 12,
		Latency: 48500 * time.Microsecond, AdmissionRate: 412.34,
		Classes: []LoadClass{
			{Class: "critical", Queued: 2, Admitted: 9001},
			{Class: "hold", Queued: 4, Admitted: 8002, Shed: 17},
			{Class: "search", Queued: 6, Admitted: 7003, Shed: 4242, TimedOut: 9},
			{Class: "browse", Admitted: 6004, Shed: 5151, RateLimited: 33},
			{Class: "exempt", Admitted: 55},
		},
	}
}

func sampleWaitingRoom() WaitingRoomSnapshot {
	return WaitingRoomSnapshot{Open: true, Issued: 1500, AdmittedThrough: 1125, Waiting: 375, AdmissionRate: 2.5}
}

// withLoad gives the site the sample snapshots, as the binary gives it
// the live ones.
func withLoad(s *site) {
	s.srv.d.Load = sampleLoad
	s.srv.d.WaitingRoom = sampleWaitingRoom
}

func TestOperatorLoadPage(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	withLoad(s)
	tests := []struct {
		name   string
		role   rdv.Role // "" for not signed in
		lang   string
		status int
		want   []string
	}{
		{"operator in French", rdv.Operator, "fr", http.StatusOK, []string{
			`<div id="live" data-every="2">`, `id="live-toggle"`, `<noscript><p><a href="/operateur/charge">`, translate("fr", "load.title"), "<td>37</td>", "<td>35</td>", "<td>12</td>",
			"412,3", "48,5\u00a0ms", translate("fr", "load.class.search"), "<td>4242</td>", "<td>5151</td>", "<td>33</td>",
			translate("fr", "load.room.open_auto"), "<td>375</td>", "<td>1125</td>", "2,5", "2\u00a0min\u00a030\u00a0s",
			"<td>" + strconv.Itoa(s.index.Len()) + "</td>",
		}},
		{"operator in English", rdv.Operator, "en", http.StatusOK, []string{
			`<div id="live" data-every="2">`, translate("en", "load.pause"), translate("en", "load.title"), "412.3", "48.5\u00a0ms",
			translate("en", "load.class.critical"), translate("en", "load.shed"), translate("en", "load.room.wait"),
		}},
		{"agent is refused", rdv.PhoneAgent, "fr", http.StatusForbidden, []string{translate("fr", "error.403.role")}},
		{"receptionist is refused", rdv.Receptionist, "en", http.StatusForbidden, []string{translate("en", "error.403.role")}},
		{"clinic admin is refused", rdv.ClinicAdmin, "fr", http.StatusForbidden, []string{translate("fr", "error.403.role")}},
		{"not signed in goes to sign-in", "", "fr", http.StatusSeeOther, []string{"/connexion?" + url.Values{"retour": {"/operateur/charge"}}.Encode()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, s)
			b.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: tt.lang}
			if tt.role != "" {
				b.signIn(accts[tt.role].Email, testPassword).want(t, http.StatusSeeOther)
			}
			res := b.do(http.MethodGet, "/operateur/charge", nil).want(t, tt.status)
			if tt.status == http.StatusSeeOther {
				if loc := res.location(t); loc != tt.want[0] {
					t.Errorf("redirect to %s, want %s", loc, tt.want[0])
				}
				return
			}
			res.contains(t, tt.want...)
			if tt.status != http.StatusOK {
				return
			}
			if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
			// Everything the page loads comes from the site itself.
			for _, attr := range []string{`src="http`, `href="http`, `src="//`, `href="//`} {
				if strings.Contains(res.body, attr) {
					t.Errorf("the page loads from elsewhere: %s", attr)
				}
			}
		})
	}
}

// TestOperatorLoadWithoutSnapshots: an instance that reports neither
// admission control nor a waiting room still shows the page, saying so.
func TestOperatorLoadWithoutSnapshots(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	op := staffBrowser(t, s, accts, rdv.Operator)
	op.do(http.MethodGet, "/operateur", nil).want(t, http.StatusOK).contains(t, `href="/operateur/charge"`)
	op.do(http.MethodGet, "/operateur/charge", nil).want(t, http.StatusOK).
		contains(t, translate("fr", "load.limit.none"), translate("fr", "load.room.none"))
}

func TestFormatWait(t *testing.T) {
	t.Parallel()
	tests := []struct {
		room WaitingRoomSnapshot
		lang string
		want string
	}{
		{WaitingRoomSnapshot{Waiting: 0, AdmissionRate: 50}, "fr", "aucune"},
		{WaitingRoomSnapshot{Waiting: 10, AdmissionRate: 0}, "en", "none"},
		{WaitingRoomSnapshot{Waiting: 1, AdmissionRate: 3}, "en", "1\u00a0s"},
		{WaitingRoomSnapshot{Waiting: 100, AdmissionRate: 2}, "fr", "50\u00a0s"},
		{WaitingRoomSnapshot{Waiting: 605, AdmissionRate: 10}, "fr", "1\u00a0min\u00a001\u00a0s"},
	}
	for _, tt := range tests {
		if got := formatWait(estimatedWait(tt.room), tt.lang); got != tt.want {
			t.Errorf("wait of %+v in %s = %q, want %q", tt.room, tt.lang, got, tt.want)
		}
	}
}
