package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"rdv"
)

func TestParsePublicURL(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"https://rdv.example.org":       "https://rdv.example.org",
		"https://rdv.example.org/":      "https://rdv.example.org",
		"http://localhost:8080":         "http://localhost:8080",
		"http://[::1]:8080/":            "http://[::1]:8080",
		"https://rdv.example.org:8443/": "https://rdv.example.org:8443",
	}
	for in, want := range good {
		if got, err := ParsePublicURL(in); err != nil || got != want {
			t.Errorf("ParsePublicURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "rdv.example.org", "//rdv.example.org", "ftp://rdv.example.org", "https://",
		"https://rdv.example.org/rdv", "https://rdv.example.org/?x=1", "https://rdv.example.org/#x",
		"https://user:pw@rdv.example.org", "javascript:alert(1)", "https://:8080"} {
		if got, err := ParsePublicURL(in); err == nil {
			t.Errorf("ParsePublicURL(%q) = %q, want an error", in, got)
		}
	}
	s := mustOpenSite(t)
	if _, err := New(Deps{Engine: s.engine, Index: s.index, Store: s.store, PublicURL: "rdv.example.org"}); err == nil {
		t.Error("New took a public URL without a scheme")
	}
}

// cancelLink finds the appointment link of a staff confirmation.
var cancelLink = regexp.MustCompile(`id="cancel-link" href="([^"]+)"`)

// The link an agent reads to a caller starts with the configured public
// address, whatever Host header the request carried: a client that sends
// "Host: evil.example" does not get its host in front of a cancel token.
func TestStaffCancelLinkIgnoresHostHeader(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	var err error
	if s.srv.publicURL, err = ParsePublicURL("https://rdv.example.org/"); err != nil {
		t.Fatal(err)
	}
	b := staffBrowser(t, s, accts, rdv.PhoneAgent)
	res := b.do(http.MethodGet, "/agent?service=pediatrics&lieu=Montr%C3%A9al&rayon=25&inscrit=1", nil).want(t, http.StatusOK)
	held := b.post(res, "/agent/reserver", url.Values{"slot_id": {hiddenValue(t, res.body, "slot_id")}}).want(t, http.StatusSeeOther).location(t)
	form := b.do(http.MethodGet, held, nil).want(t, http.StatusOK)
	done := b.post(form, held, url.Values{"first_name": {"Léa"}, "last_name": {"Tremblay"}, "birth_date": {"2011-04-07"},
		"health_number": {"TREL11540712"}, "phone": {"514-555-0123"}, "language": {"fr"}, "cle": {hiddenValue(t, form.body, "cle")}}).
		want(t, http.StatusSeeOther).location(t)
	for _, host := range []string{"evil.example", "rdv.example.org.evil.example", "localhost:1"} {
		r := httptest.NewRequest(http.MethodGet, done, nil)
		r.Host = host
		r.RemoteAddr = b.addr
		for _, c := range b.cookies {
			r.AddCookie(c)
		}
		w := httptest.NewRecorder()
		s.srv.ServeHTTP(w, r)
		body, _ := io.ReadAll(w.Result().Body)
		if w.Code != http.StatusOK {
			t.Fatalf("Host %s: status %d", host, w.Code)
		}
		link := cancelLink.FindStringSubmatch(string(body))
		if link == nil || !strings.HasPrefix(link[1], "https://rdv.example.org/rendez-vous/") {
			t.Fatalf("Host %s: the cancel link is %q, want it on https://rdv.example.org", host, link)
		}
		if strings.Contains(string(body), host) {
			t.Errorf("the confirmation page shows the request's Host %s", host)
		}
	}
}
