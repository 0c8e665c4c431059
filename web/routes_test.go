package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/admission"
	"rdv/auth"
	"rdv/route"
	"rdv/web/api"
)

// TestRouteClasses: the classes and waiting-room rules of the site's
// routes, as admission control and the room see them (with a query
// string, and on look-alike paths that match no route).
func TestRouteClasses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path string
		class        admission.Class
		through      bool
	}{
		{"POST", "/api/v1/appointments", admission.Critical, true},
		{"POST", "/api/v1/appointments/42/cancel", admission.Critical, true},
		{"POST", "/api/v1/appointments/42/reschedule", admission.Critical, true},
		{"GET", "/api/v1/appointments/42", admission.Hold, true},
		{"HEAD", "/api/v1/appointments/42", admission.Hold, true},
		{"POST", "/reservation/h_abc", admission.Critical, true},
		{"GET", "/reservation/h_abc", admission.Hold, true},
		{"POST", "/reservation/h_abc/autre-creneau", admission.Critical, true},
		{"POST", "/reservation/h_abc/prochain", admission.Hold, true},
		{"POST", "/rendez-vous/42/annuler", admission.Critical, true},
		{"GET", "/rendez-vous/42/annuler", admission.Hold, true},
		{"GET", "/rendez-vous/42/calendrier.ics", admission.Hold, true},
		{"POST", "/rendez-vous/42/changer/h_abc", admission.Critical, true},
		{"POST", "/rendez-vous/42/changer", admission.Hold, true},
		{"GET", "/rendez-vous/42", admission.Hold, true},
		{"POST", "/api/v1/holds", admission.Hold, false},
		{"POST", "/reserver", admission.Hold, false},
		{"GET", "/api/v1/slots", admission.Search, false},
		{"GET", "/recherche", admission.Search, false},
		{"GET", "/recherche/clinique/3", admission.Search, false},
		{"GET", "/api/v1/clinics", admission.Browse, false},
		{"GET", "/", admission.Browse, false},
		{"GET", "/healthz", admission.Exempt, true},
		{"GET", "/readyz", admission.Exempt, true},
		{"GET", "/static/app.css", admission.Exempt, true},
		{"GET", "/operateur", admission.OperatorPage, true},
		{"POST", "/operateur/bandeau", admission.OperatorPage, true},
		{"GET", "/connexion", admission.Browse, true},
		{"GET", "/demande", admission.Browse, true},
		{"POST", "/api/v1/requests", admission.Browse, true},
		// The staff's work: the API's plan exceptions and the desk's
		// booking forms are not shed as browsing.
		{"GET", "/api/v1/clinics/1/practitioners/2/exceptions", admission.Hold, true},
		{"POST", "/api/v1/clinics/1/practitioners/2/exceptions/preview", admission.Hold, true},
		{"DELETE", "/api/v1/clinics/1/practitioners/2/exceptions/7", admission.Hold, true},
		{"POST", "/clinique/reserver", admission.Hold, true},
		{"GET", "/clinique/reservation/h_abc", admission.Hold, true},
		{"POST", "/clinique/reservation/h_abc", admission.Critical, true},
		{"POST", "/agent/reserver", admission.Hold, true},
		{"GET", "/agent/reservation/h_abc", admission.Hold, true},
		{"POST", "/agent/reservation/h_abc", admission.Critical, true},
		{"POST", "/clinique/rendez-vous/42/annuler", admission.Critical, true},
		{"GET", "/clinique", admission.Browse, true},
		// Look-alikes and other methods match no route: browsing, held.
		{"GET", "/metrics", admission.Browse, false},
		{"GET", "/operator", admission.Browse, false},
		{"GET", "/operateurs", admission.Browse, false},
		{"POST", "/api/v1/slots", admission.Browse, false},
		{"GET", "/api/v1/clinics/1/practitioners/2/exceptionsx", admission.Browse, false},
		{"POST", "/api/v1/clinics/1/exceptions", admission.Browse, false},
		{"GET", "/api/v1/appointments", admission.Browse, false},
		{"DELETE", "/api/v1/appointments/42", admission.Browse, false},
		{"GET", "/api/v1/appointments/42/cancel", admission.Browse, false},
		{"GET", "/reservation/h_x/y", admission.Browse, false},
		{"PUT", "/reservation/h_x", admission.Browse, false},
		{"GET", "/reserver", admission.Browse, false},
		{"GET", "/rendez-vous-42", admission.Browse, false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, tt.path+"?x=1", nil)
		if got := siteRoutes.Class(r); got != tt.class {
			t.Errorf("%s %s: class %s, want %s", tt.method, tt.path, got, tt.class)
		}
		if got := siteRoutes.Through(r); got != tt.through {
			t.Errorf("%s %s: through the waiting room %v, want %v", tt.method, tt.path, got, tt.through)
		}
	}
}

// TestStaffBookingIsBooking: every route of the desk's and the phone
// console's booking forms is in a booking class, never shed as searching
// or browsing.
func TestStaffBookingIsBooking(t *testing.T) {
	t.Parallel()
	n := 0
	for _, rt := range siteRoutes.Routes() {
		_, path, _ := strings.Cut(rt.Pattern, " ")
		if !strings.HasPrefix(path, "/clinique/reserv") && !strings.HasPrefix(path, "/agent/reserv") {
			continue
		}
		n++
		if rt.Class != admission.Critical && rt.Class != admission.Hold {
			t.Errorf("%s: class %s, want a booking class", rt.Pattern, rt.Class)
		}
	}
	if n != 6 {
		t.Errorf("%d staff booking routes, want 6", n)
	}
}

// caller is one of the people the route × role × clinic test calls every
// route as.
type caller struct {
	name    string
	acct    *rdv.Account
	session string // the session cookie's value
	// patient is a signed-in patient account's ID, and patientSession
	// its session cookie's value.
	patient        int64
	patientSession string
}

// TestRoutesRolesClinics walks the whole route table: every route is
// called as someone not signed in, a receptionist of clinic 1 and one of
// clinic 2, an admin of clinic 1, a phone agent, an operator and a
// signed-in patient, and is allowed or refused as its policy says:
// refused is 401, 403 or a redirect to a sign-in page; allowed is
// anything else.
func TestRoutesRolesClinics(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	s.api = api.New(api.Deps{Engine: s.engine, Index: s.index, Store: s.store, Log: s.srv.log, Secret: testSecret})
	accts := withStaff(t, s)
	other := accts[rdv.Receptionist]
	other.ID, other.Email, other.ClinicID = 0, "receptionist2@reseau.example", 2
	other.PasswordHash = mustHash(t)
	other, err := s.store.CreateAccount(t.Context(), other)
	if err != nil {
		t.Fatal(err)
	}
	callers := []caller{{name: "anonymous"}}
	for _, c := range []struct {
		name string
		a    rdv.Account
	}{
		{"receptionist of clinic 1", accts[rdv.Receptionist]},
		{"receptionist of clinic 2", other},
		{"admin of clinic 1", accts[rdv.ClinicAdmin]},
		{"agent", accts[rdv.PhoneAgent]},
		{"operator", accts[rdv.Operator]},
	} {
		b := newBrowser(t, s)
		b.signIn(c.a.Email, testPassword).want(t, http.StatusSeeOther)
		a := c.a
		callers = append(callers, caller{name: c.name, acct: &a, session: b.cookies[sessionCookieName].Value})
	}
	pb := newBrowser(t, s)
	pb.signInPatient("patiente@exemple.ca", "patiente@exemple.ca")
	ps := pb.cookies[auth.PatientSessionCookie].Value
	_, pa, err := s.store.PatientSessionByTokenHash(t.Context(), auth.HashToken(ps), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	callers = append(callers, caller{name: "patient", patient: pa.ID, patientSession: ps})

	routes := append([]route.Route(nil), siteRoutes.Routes()...)
	// Signing out ends the session the calls after it would use: the
	// patient's last but one, staff's last.
	last := map[string]int{"POST /compte/deconnexion": 1, "POST /deconnexion": 2}
	// An operator ending every session of an account ends those of an
	// account that is none of the callers'.
	victim := accts[rdv.Receptionist]
	victim.ID, victim.Email, victim.PasswordHash = 0, "receptionist3@reseau.example", mustHash(t)
	if victim, err = s.store.CreateAccount(t.Context(), victim); err != nil {
		t.Fatal(err)
	}
	revokeAll := "POST /operateur/comptes/" + strconv.FormatInt(victim.ID, 10) + "/revoquer"
	sort.SliceStable(routes, func(i, j int) bool { return last[routes[i].Pattern] < last[routes[j].Pattern] })
	checked := 0
	for _, rt := range routes {
		for _, c := range callers {
			pattern := rt.Pattern
			if pattern == "POST /operateur/comptes/{id}/revoquer" {
				pattern = revokeAll
			}
			r := routeRequest(t, s, pattern, c)
			want := rt.Policy.Admit(route.Caller{Staff: c.acct, Patient: c.patient}, r)
			if rt.Policy.Access == route.ClinicToken {
				// No caller carries a clinic's API token, which the API
				// checks (Admit lets it through): each is refused, 401.
				// What tokens open: TestTokenScopes, TestClinicWebhooks.
				want = route.SignIn
			}
			w := httptest.NewRecorder()
			s.mounted().ServeHTTP(w, r)
			refused := w.Code == http.StatusUnauthorized || w.Code == http.StatusForbidden ||
				w.Code == http.StatusSeeOther && signInRedirect(w.Header().Get("Location"))
			if refused != (want != route.Allow) {
				t.Errorf("%s as %s: status %d (Location %q), want %s by its policy", rt.Pattern, c.name, w.Code, w.Header().Get("Location"), verdictName(want))
			}
			checked++
		}
	}
	if checked != len(routes)*len(callers) {
		t.Fatalf("%d calls checked", checked)
	}
}

// routeRequest makes a request for a route's pattern, its wildcards
// filled with clinic 1's ids, sent by c with the form token its session
// (or, not signed in, its browser) vouches for.
func routeRequest(t *testing.T, s *site, pattern string, c caller) *http.Request {
	t.Helper()
	method, path, _ := strings.Cut(pattern, " ")
	path = strings.NewReplacer("{$}", "", "{clinic}", "1", "{practitioner}", "1", "{id}", "1", "{hold}", "h_x", "{file}", "app.css").Replace(path)
	var r *http.Request
	write := method != http.MethodGet && method != http.MethodHead
	api := strings.HasPrefix(path, "/api/")
	token := testCSRFField
	key, err := auth.FormKey(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case c.acct != nil:
		token = auth.SessionFormToken(key, auth.HashToken(c.session))
	case c.patient != 0:
		// A session signed out leaves the browser its own token, which
		// the pages it gets from then on carry.
		if _, _, err := s.store.PatientSessionByTokenHash(t.Context(), auth.HashToken(c.patientSession), time.Now()); err == nil {
			token = auth.MAC(key, "patient session", auth.HashToken(c.patientSession))
		}
	}
	switch {
	case write && !api:
		r = httptest.NewRequest(method, path, strings.NewReader(url.Values{csrfField: {token}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case write:
		r = httptest.NewRequest(method, path, strings.NewReader("{}"))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-CSRF-Token", token)
	default:
		r = httptest.NewRequest(method, path, nil)
	}
	r.RemoteAddr = "192.0.2.30:40000"
	r.AddCookie(&http.Cookie{Name: csrfCookieName, Value: testCSRFToken})
	if c.acct != nil {
		r.AddCookie(&http.Cookie{Name: sessionCookieName, Value: c.session})
	}
	if c.patient != 0 {
		r.AddCookie(&http.Cookie{Name: auth.PatientSessionCookie, Value: c.patientSession})
	}
	// A mux serving r fills in the wildcards the policy reads.
	probe := http.NewServeMux()
	probe.HandleFunc(pattern, func(http.ResponseWriter, *http.Request) {})
	probe.ServeHTTP(httptest.NewRecorder(), r)
	if r.Pattern != pattern {
		t.Fatalf("%s: the request made for it matches %q", pattern, r.Pattern)
	}
	return r
}

// signInRedirect reports whether a redirect sends someone to sign in,
// as staff or as a patient (signing out also lands on the staff sign-in
// page, with a notice; the patients' sign-in leads to itself, without a
// page to return to).
func signInRedirect(loc string) bool {
	return loc == "/connexion" || strings.HasPrefix(loc, "/connexion?retour=") ||
		strings.HasPrefix(loc, patientSigninPath+"?retour=")
}

func verdictName(v route.Verdict) string {
	switch v {
	case route.Allow:
		return "allowed"
	case route.SignIn:
		return "sign in first"
	}
	return "forbidden"
}

func mustHash(t *testing.T) string {
	t.Helper()
	h, err := auth.HashPassword(testPassword, fastParams)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
