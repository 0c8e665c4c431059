package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/availability"
)

// staffCreds are what a signed-in staff member's browser sends: the
// session cookie, and on writes the session's form token.
type staffCreds struct {
	cookie, csrf string
}

func (c staffCreds) headers(write bool) map[string]string {
	h := map[string]string{"Cookie": auth.SessionCookie + "=" + c.cookie}
	if write {
		h["X-CSRF-Token"] = c.csrf
	}
	return h
}

// withStaffAPI gives the API a server secret,
// and signs in one account per name: receptionist, admin and operator
// of clinic 1 (the operator of none), and admin2, the admin of clinic 2,
// each with a second factor; and admin-password, an admin of clinic 1
// signed in by the password alone.
func withStaffAPI(a *testAPI) map[string]staffCreds {
	a.t.Helper()
	ctx := context.Background()
	secret := []byte(strings.Repeat("s", auth.MinSecret))
	a.handler = New(Deps{Engine: a.engine, Index: a.index, Store: a.store, Log: a.log, Secret: secret})
	key, err := auth.FormKey(secret)
	if err != nil {
		a.t.Fatal(err)
	}
	hash, err := auth.HashPassword("correct horse battery staple", auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		a.t.Fatal(err)
	}
	out := map[string]staffCreds{}
	for _, s := range []struct {
		name         string
		role         rdv.Role
		clinic       int64
		secondFactor bool
	}{{"receptionist", rdv.Receptionist, 1, true}, {"admin", rdv.ClinicAdmin, 1, true}, {"admin2", rdv.ClinicAdmin, 2, true},
		{"operator", rdv.Operator, 0, true}, {"admin-password", rdv.ClinicAdmin, 1, false}} {
		acct, err := a.store.CreateAccount(ctx, rdv.Account{Email: s.name + "@reseau.example", Name: s.name, Role: s.role, ClinicID: s.clinic, PasswordHash: hash})
		if err != nil {
			a.t.Fatalf("create %s: %v", s.name, err)
		}
		token, tokenHash := auth.NewSessionToken()
		now := time.Now()
		if err := a.store.CreateSession(ctx, rdv.Session{TokenHash: tokenHash, AccountID: acct.ID, CSRFToken: auth.NewCSRFToken(), CreatedAt: now, ExpiresAt: now.Add(time.Hour), SecondFactor: s.secondFactor}); err != nil {
			a.t.Fatalf("session of %s: %v", s.name, err)
		}
		out[s.name] = staffCreds{cookie: token, csrf: auth.SessionFormToken(key, tokenHash)}
	}
	return out
}

// offered counts the public general slots of practitioner 1 that search
// offers on a day.
func (a *testAPI) offered(day rdv.Date) int {
	a.t.Helper()
	res := a.index.Search(availability.Query{Lat: 45.5, Lon: -73.6, RadiusKm: 100, Service: rdv.General,
		From: day.Start(rdv.Toronto), To: day.AddDays(1).Start(rdv.Toronto), Limit: 1000}, nil)
	n := 0
	for _, r := range res {
		if r.PractitionerID == 1 {
			n++
		}
	}
	return n
}

const exceptionsURL = "/api/v1/clinics/1/practitioners/1/exceptions"

// TestExceptionRoundTrip: a clinic admin previews a holiday (the slots
// it withdraws listed, search unchanged), adds it (search loses them; a
// retry with the same key replays it), and removes it (search offers
// them again); the list follows.
func TestExceptionRoundTrip(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	admin := withStaffAPI(a)["admin"]
	day := testStart.AddDays(1)
	holiday := fmt.Sprintf(`{"date":%q,"reason":"Fête nationale"}`, day.String())
	before := a.offered(day)
	if before != 8 {
		t.Fatalf("search offers %d general slots of practitioner 1, want 8", before)
	}

	list := a.call(request{method: "GET", url: exceptionsURL, headers: admin.headers(false)}, http.StatusOK)
	if ex := list["exceptions"].([]any); len(ex) != 1 || ex[0].(map[string]any)["reason"] != "congé" {
		t.Fatalf("exceptions before: %v, want the network's leave", list)
	}

	preview := a.call(request{method: "POST", url: exceptionsURL + "/preview", headers: admin.headers(true), body: holiday}, http.StatusOK)
	if w, b := preview["withdrawn"].([]any), preview["blocking"].([]any); len(w) != 11 || len(b) != 0 {
		t.Fatalf("preview withdraws %d and is blocked by %d slots, want 11 and 0", len(w), len(b))
	}
	if got := a.offered(day); got != before {
		t.Fatalf("a preview changed search: %d offered, want %d", got, before)
	}

	add := request{method: "POST", url: exceptionsURL, headers: admin.headers(true), body: holiday}
	add.headers["Idempotency-Key"] = "holiday-" + auth.NewToken()
	added := a.call(add, http.StatusCreated)
	ex := added["exception"].(map[string]any)
	if ex["date"] != day.String() || ex["until"] != day.String() || ex["all_day"] != true || ex["reason"] != "Fête nationale" {
		t.Fatalf("added %v", ex)
	}
	if w := added["withdrawn"].([]any); len(w) != 11 || w[0].(map[string]any)["state"] != "blocked" {
		t.Fatalf("withdrawn %v, want 11 blocked slots", w)
	}
	if got := a.offered(day); got != 0 {
		t.Fatalf("search offers %d slots on the holiday", got)
	}
	again := a.call(add, http.StatusCreated)
	if again["exception"].(map[string]any)["id"] != ex["id"] {
		t.Fatalf("a retry answered %v, want the first exception %v", again["exception"], ex)
	}
	list = a.call(request{method: "GET", url: exceptionsURL, headers: admin.headers(false)}, http.StatusOK)
	if n := len(list["exceptions"].([]any)); n != 2 {
		t.Fatalf("after an add and its retry the list has %d exceptions, want 2", n)
	}

	del := request{method: "DELETE", url: fmt.Sprintf("%s/%.0f", exceptionsURL, ex["id"]), headers: admin.headers(true)}
	removed := a.call(del, http.StatusOK)
	if r := removed["restored"].([]any); len(r) != 11 || r[0].(map[string]any)["state"] != "free" {
		t.Fatalf("restored %v, want 11 free slots", r)
	}
	if got := a.offered(day); got != before {
		t.Fatalf("search offers %d slots after removing the holiday, want %d", got, before)
	}
	a.call(del, http.StatusNotFound)
}

// TestExceptionOverAppointment: an exception over a booked slot is
// refused whole, 409 with the slot that blocks it, and changes nothing.
func TestExceptionOverAppointment(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	admin := withStaffAPI(a)["admin"]
	morning := fmt.Sprintf(`{"date":%q,"start":"09:00","end":"10:00","reason":"réunion"}`, testStart.String())
	preview := a.call(request{method: "POST", url: exceptionsURL + "/preview", headers: admin.headers(true), body: morning}, http.StatusOK)
	if b := preview["blocking"].([]any); len(b) != 1 || b[0].(map[string]any)["id"] != float64(slotBooked) || b[0].(map[string]any)["state"] != "booked" {
		t.Fatalf("preview blocking %v, want the booked slot %d", b, slotBooked)
	}
	before := a.offered(testStart)
	req := request{method: "POST", url: exceptionsURL, headers: admin.headers(true), body: morning}
	req.headers["Accept-Language"] = "en"
	out := a.call(req, http.StatusConflict)
	e := out["error"].(map[string]any)
	if e["code"] != rdv.ECONFLICT || !strings.Contains(e["message"].(string), "move or cancel them first") {
		t.Fatalf("refusal %v", e)
	}
	if b := out["blocking"].([]any); len(b) != 1 || b[0].(map[string]any)["id"] != float64(slotBooked) {
		t.Fatalf("blocking %v, want the booked slot", b)
	}
	if got := a.offered(testStart); got != before {
		t.Fatalf("a refused exception changed search: %d, want %d", got, before)
	}
	list := a.call(request{method: "GET", url: exceptionsURL, headers: admin.headers(false)}, http.StatusOK)
	if n := len(list["exceptions"].([]any)); n != 1 {
		t.Fatalf("a refused exception was stored: %d exceptions", n)
	}
}

// TestExceptionAccess: only a signed-in admin of the clinic reaches its
// practitioners' exceptions, and writes need the session's form token.
func TestExceptionAccess(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	staff := withStaffAPI(a)
	admin := staff["admin"]
	body := fmt.Sprintf(`{"date":%q}`, testStart.AddDays(2).String())
	wrongToken := admin.headers(true)
	wrongToken["X-CSRF-Token"] = staff["admin2"].csrf // another session's
	noToken := admin.headers(false)
	fr := func(h map[string]string) map[string]string { h["Accept-Language"] = "fr"; return h }
	en := func(h map[string]string) map[string]string { h["Accept-Language"] = "en"; return h }
	del := exceptionsURL + "/1"
	a.runScenarios(t, []scenario{
		{"list without a session", request{method: "GET", url: exceptionsURL}, 401, []string{`"code":"unauthorized"`, "Connectez-vous"}, nil},
		{"add without a session", request{method: "POST", url: exceptionsURL, body: body}, 401, []string{`"code":"unauthorized"`}, nil},
		{"remove without a session", request{method: "DELETE", url: del}, 401, []string{`"code":"unauthorized"`}, nil},
		{"a made-up session", request{method: "GET", url: exceptionsURL, headers: staffCreds{cookie: auth.NewToken()}.headers(false)}, 401, []string{`"code":"unauthorized"`}, nil},
		{"add without the CSRF header", request{method: "POST", url: exceptionsURL, body: body, headers: en(noToken)}, 403, []string{`"field":"X-CSRF-Token"`, "X-CSRF-Token header is missing"}, nil},
		{"add with another session's token", request{method: "POST", url: exceptionsURL, body: body, headers: fr(wrongToken)}, 403, []string{`"field":"X-CSRF-Token"`, "ne correspond pas"}, nil},
		{"preview without the CSRF header", request{method: "POST", url: exceptionsURL + "/preview", body: body, headers: admin.headers(false)}, 403, []string{`"field":"X-CSRF-Token"`}, nil},
		{"remove without the CSRF header", request{method: "DELETE", url: del, headers: admin.headers(false)}, 403, []string{`"field":"X-CSRF-Token"`}, nil},
		{"a receptionist lists", request{method: "GET", url: exceptionsURL, headers: staff["receptionist"].headers(false)}, 403, []string{`"code":"forbidden"`, "administrateurs de cette clinique"}, nil},
		{"a receptionist adds", request{method: "POST", url: exceptionsURL, body: body, headers: staff["receptionist"].headers(true)}, 403, []string{`"code":"forbidden"`}, []string{"X-CSRF-Token"}},
		{"an operator lists", request{method: "GET", url: exceptionsURL, headers: en(staff["operator"].headers(false))}, 403, []string{"Only this clinic's administrators"}, nil},
		{"another clinic's admin", request{method: "GET", url: exceptionsURL, headers: staff["admin2"].headers(false)}, 403, []string{`"code":"forbidden"`}, nil},
		{"another clinic's admin removes", request{method: "DELETE", url: del, headers: staff["admin2"].headers(true)}, 403, []string{`"code":"forbidden"`}, nil},
		// The clinic's own admin, signed in without the second factor the
		// role requires, reaches nothing, as on the pages.
		{"an admin by password alone lists", request{method: "GET", url: exceptionsURL, headers: staff["admin-password"].headers(false)}, 403, []string{`"code":"forbidden"`, "deux étapes"}, nil},
		{"an admin by password alone adds", request{method: "POST", url: exceptionsURL, body: body, headers: en(staff["admin-password"].headers(true))}, 403, []string{`"code":"forbidden"`, "two-step"}, nil},
		{"another clinic's practitioner", request{method: "GET", url: "/api/v1/clinics/1/practitioners/3/exceptions", headers: admin.headers(false)}, 404, []string{`"code":"not_found"`}, nil},
		{"adds for another clinic's practitioner", request{method: "POST", url: "/api/v1/clinics/1/practitioners/3/exceptions", body: body, headers: admin.headers(true)}, 404, []string{`"code":"not_found"`}, nil},
		{"a practitioner that is no number", request{method: "GET", url: "/api/v1/clinics/1/practitioners/x/exceptions", headers: admin.headers(false)}, 404, []string{`"code":"not_found"`}, nil},
		{"an unknown exception", request{method: "DELETE", url: exceptionsURL + "/99", headers: admin.headers(true)}, 404, []string{`"code":"not_found"`}, nil},
		{"a date that is no date", request{method: "POST", url: exceptionsURL, body: `{"date":"21 juin"}`, headers: admin.headers(true)}, 422, []string{`"field":"date"`, "Le premier jour de l'exception (date) est invalide."}, nil},
		{"a day in the past", request{method: "POST", url: exceptionsURL, body: fmt.Sprintf(`{"date":%q}`, testStart.AddDays(-3)), headers: admin.headers(true)}, 422, []string{`"field":"date"`}, nil},
		{"until before date", request{method: "POST", url: exceptionsURL + "/preview", body: fmt.Sprintf(`{"date":%q,"until":%q}`, testStart.AddDays(2), testStart.AddDays(1)), headers: admin.headers(true)}, 422, []string{`"field":"until"`}, nil},
		{"end before start", request{method: "POST", url: exceptionsURL, body: fmt.Sprintf(`{"date":%q,"start":"11:00","end":"10:00"}`, testStart.AddDays(2)), headers: en(admin.headers(true))}, 422, []string{`"field":"end"`, "The end time (end) is invalid."}, nil},
		{"a start without an end", request{method: "POST", url: exceptionsURL, body: fmt.Sprintf(`{"date":%q,"start":"11:00"}`, testStart.AddDays(2)), headers: admin.headers(true)}, 422, []string{`"field":"end"`}, nil},
		{"all_day with hours", request{method: "POST", url: exceptionsURL, body: fmt.Sprintf(`{"date":%q,"all_day":true,"start":"11:00","end":"12:00"}`, testStart.AddDays(2)), headers: admin.headers(true)}, 422, []string{`"field":"start"`}, nil},
		{"an unknown field", request{method: "POST", url: exceptionsURL, body: fmt.Sprintf(`{"date":%q,"slots":[1]}`, testStart.AddDays(2)), headers: admin.headers(true)}, 400, []string{`"code":"bad_request"`}, nil},
	})
	list := a.call(request{method: "GET", url: exceptionsURL, headers: admin.headers(false)}, http.StatusOK)
	if n := len(list["exceptions"].([]any)); n != 1 {
		t.Fatalf("refused requests stored exceptions: %d, want the network's one", n)
	}
}

// TestExceptionWritesNeedASecret: an API given no server secret refuses
// every staff write, whatever header comes with it.
func TestExceptionWritesNeedASecret(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	admin := withStaffAPI(a)["admin"]
	a.handler = New(Deps{Engine: a.engine, Index: a.index, Store: a.store, Log: a.log})
	a.call(request{method: "GET", url: exceptionsURL, headers: admin.headers(false)}, http.StatusOK)
	for _, token := range []string{"", admin.csrf} {
		h := admin.headers(true)
		h["X-CSRF-Token"] = token
		a.call(request{method: "POST", url: exceptionsURL, headers: h, body: fmt.Sprintf(`{"date":%q}`, testStart.AddDays(2))}, http.StatusForbidden)
	}
}
