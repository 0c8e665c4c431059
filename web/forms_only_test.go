package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"rdv"
)

// withHealth gives the site the readiness check the binary gives it,
// over the real store, with a switch that makes the database unreachable
// and a count of probes. The TTL is long: tests expire the cache by hand.
func withHealth(s *site) (down *atomic.Bool, probes *atomic.Int64) {
	down, probes = new(atomic.Bool), new(atomic.Int64)
	s.srv.d.Ready = func(ctx context.Context) error {
		probes.Add(1)
		if down.Load() {
			return errors.New("dial tcp: connection refused")
		}
		_, err := s.store.Empty(ctx)
		return err
	}
	s.srv.health.ttl = time.Hour
	return down, probes
}

// expireHealth makes the next page probe the database again, as it would
// once the TTL has passed.
func expireHealth(s *site) {
	c := &s.srv.health.cache
	c.mu.Lock()
	c.read = c.read.Add(-s.srv.health.ttl)
	c.mu.Unlock()
}

// TestFormsOnlyNotice: while the database cannot be reached the banner
// says booking is unavailable and links to the request form, in both
// languages; the form still takes requests; pages probe the database
// once per TTL, not once per view; and the notice goes once the database
// is back.
func TestFormsOnlyNotice(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	withRequests(t, s)
	accts := withStaff(t, s)
	down, probes := withHealth(s)
	fr, en := translate("fr", "mode.forms_only"), translate("en", "mode.forms_only")
	link := `<a href="/demande">` + translate("fr", "mode.forms_only.link") + `</a>`

	s.get("/", "fr").want(t, http.StatusOK).lacks(t, fr)
	down.Store(true)
	s.get("/", "fr").want(t, http.StatusOK).lacks(t, fr) // still within the TTL
	expireHealth(s)
	before := probes.Load()
	s.get("/", "fr").want(t, http.StatusOK).contains(t, fr, link)
	s.get(s.searchQuery(), "en").want(t, http.StatusOK).contains(t, en, `<a href="/demande">`+translate("en", "mode.forms_only.link")+`</a>`)
	s.get("/demande", "fr").want(t, http.StatusOK).contains(t, fr)
	if n := probes.Load() - before; n != 1 {
		t.Errorf("%d probes of the database for three pages within the TTL, want 1", n)
	}

	sent := s.post("/demande", requestForm("fr"), "fr").want(t, http.StatusSeeOther)
	sent = s.do(http.MethodGet, sent.location(t), nil, "fr", sent.Cookies()...).want(t, http.StatusOK)
	if !referenceRE.MatchString(sent.body) {
		t.Fatalf("no reference in forms-only mode:\n%s", sent.body)
	}

	op := staffBrowser(t, s, accts, rdv.Operator)
	row := `<th scope="row">` + translate("fr", "load.mode.forms_only") + `</th><td>`
	op.do(http.MethodGet, "/operateur/charge", nil).want(t, http.StatusOK).contains(t, row+translate("fr", "load.on")+`</td>`)

	down.Store(false)
	expireHealth(s)
	s.get("/", "fr").want(t, http.StatusOK).lacks(t, fr)
	s.get("/", "en").want(t, http.StatusOK).lacks(t, en)
	op.do(http.MethodGet, "/operateur/charge", nil).want(t, http.StatusOK).contains(t, row+translate("fr", "load.off")+`</td>`)
}

// TestFormsOnlyNoticeOnSlowDatabase: a database that does not answer
// counts as down, and the page does not wait on it for long.
func TestFormsOnlyNoticeOnSlowDatabase(t *testing.T) {
	s := mustOpenSite(t)
	withRequests(t, s)
	s.srv.d.Ready = func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}
	start := time.Now()
	s.get("/", "en").want(t, http.StatusOK).contains(t, translate("en", "mode.forms_only"))
	if d := time.Since(start); d > time.Second {
		t.Errorf("the home page took %v on a database that does not answer", d)
	}
}

// TestNoFormsOnlyNoticeWithoutSpool: without the spool the form cannot
// take requests, so the banner does not send patients to it.
func TestNoFormsOnlyNoticeWithoutSpool(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	down, _ := withHealth(s)
	down.Store(true)
	s.get("/", "fr").want(t, http.StatusOK).lacks(t, translate("fr", "mode.forms_only"))
}

// lacks fails the test if the body holds s, as markup or escaped text.
func (a answer) lacks(t testing.TB, s string) {
	t.Helper()
	if strings.Contains(a.body, s) || strings.Contains(a.body, htmlText(s)) {
		t.Errorf("page %s shows %q", a.Request.URL.Path, s)
	}
}
