package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/storetest"
)

// signedInPatient makes a patient account for to, with a session whose
// cookie it returns, as signing in by code does.
func (a *testAPI) signedInPatient(to string) (rdv.PatientAccount, string) {
	a.t.Helper()
	ctx, key, code := a.t.Context(), []byte("0123456789abcdef0123456789abcdef"), "482913"
	if err := a.store.IssueSignInCode(ctx, rdv.SignInCodeRequest{Channel: rdv.ByEmail, To: to, Code: code,
		CodeHash: auth.CodeHash(key, to, code), Language: "fr", Now: testNow}); err != nil {
		a.t.Fatalf("issue a code: %v", err)
	}
	token := auth.RandomToken(24)
	acct, err := a.store.VerifySignInCode(ctx, rdv.VerifyCodeRequest{Channel: rdv.ByEmail, To: to, CodeHash: auth.CodeHash(key, to, code),
		Language: "fr", Now: testNow, Session: rdv.PatientSession{TokenHash: auth.HashToken(token), CSRFToken: "csrf",
			CreatedAt: testNow, ExpiresAt: time.Now().Add(time.Hour).Add(time.Until(testNow).Abs())}})
	if err != nil {
		a.t.Fatalf("sign in: %v", err)
	}
	return acct, auth.PatientSessionCookie + "=" + token
}

// TestExportMyData: the signed-in patient downloads, as an attachment,
// every kind of data kept about them (the answer is checked against the
// document when the test ends), and nobody else's; without a session the
// route answers 401 in the caller's language.
func TestExportMyData(t *testing.T) {
	a := newTestAPI(t)
	ctx, st := t.Context(), a.store
	to := "rosalinde.q@example.org"
	acct, cookie := a.signedInPatient(to)
	_, other := a.signedInPatient("someone.else@example.org")

	holder := rdv.Patient{FirstName: "Rosalinde", LastName: "Quevillon", BirthDate: rdv.Date{Year: 1979, Month: time.October, Day: 23},
		HealthNumber: "QUER79102317", Phone: "+15145550142", Email: to, Language: "fr"}
	for _, p := range []rdv.Person{
		{AccountID: acct.ID, FirstName: holder.FirstName, LastName: holder.LastName, BirthDate: holder.BirthDate, HealthNumber: holder.HealthNumber, Relationship: rdv.Self},
		{AccountID: acct.ID, FirstName: "Anatole", LastName: "Quevillon", BirthDate: rdv.Date{Year: 2021, Month: time.February, Day: 14}, Relationship: rdv.Parent},
	} {
		if _, err := st.SavePerson(ctx, p); err != nil {
			t.Fatalf("save person: %v", err)
		}
	}
	h, _, err := st.PlaceHold(ctx, rdv.HoldRequest{HoldID: "h-export", SlotID: slotFree, ClientKey: "export", TTL: time.Minute, Now: testNow})
	if err != nil {
		t.Fatalf("hold: %v", err)
	}
	appt, _, err := st.ConfirmHold(ctx, rdv.ConfirmRequest{HoldID: h.ID, Patient: holder, BookedBy: rdv.BySelf, Channel: rdv.Web,
		CancelTokenHash: auth.HashToken("t"), Now: testNow, Notify: rdv.Notify{Email: true}, AccountID: acct.ID})
	if err != nil {
		t.Fatalf("book: %v", err)
	}
	req := storetest.MatchRequest("D-EXPORT", testNow)
	req.AccountID = acct.ID
	req.Fee = &rdv.RequestFee{Quote: rdv.QuoteFee(500), ProviderRef: "auth-export", AuthorizedAt: testNow}
	if _, err := st.AddRequest(ctx, req); err != nil {
		t.Fatalf("add request: %v", err)
	}
	acct.Notify, acct.ConsentAt = rdv.Notify{Email: true, SMS: true}, testNow.Add(time.Minute)
	if err := st.UpdatePatientAccount(ctx, acct); err != nil {
		t.Fatalf("give the text messages: %v", err)
	}

	res, body := a.do(request{method: "GET", url: "/api/v1/me/export", headers: map[string]string{"Cookie": cookie}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("export: status %d; body %s", res.StatusCode, body)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".json") {
		t.Errorf("Content-Disposition %q, want a JSON attachment", cd)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	if got["format"] != exportFormat || got["account"].(map[string]any)["email"] != to {
		t.Errorf("export format %v, account %v", got["format"], got["account"])
	}
	for _, kind := range []string{"people", "appointments", "requests", "messages", "consents", "fees"} {
		list, ok := got[kind].([]any)
		if !ok || len(list) == 0 {
			t.Errorf("export: %s %v, want some", kind, got[kind])
		}
	}
	if a0 := got["appointments"].([]any)[0].(map[string]any); a0["id"] != float64(appt.ID) ||
		a0["patient"].(map[string]any)["health_number"] != holder.HealthNumber {
		t.Errorf("exported appointment %v, want %d with the health number given", a0, appt.ID)
	}
	if n := len(got["consents"].([]any)); n != 2 {
		t.Errorf("export: %d consents, want the email's at sign-in and the text messages' given after", n)
	}
	if strings.Contains(string(body), "someone.else") {
		t.Error("export carries another account's data")
	}

	events, err := st.AuditEvents(ctx, rdv.AuditQuery{ActorKind: rdv.ActorPatient, ActorID: acct.ID, Action: rdv.AuditAccountRead})
	if err != nil || len(events) != 1 || !slices.Contains(events[0].Records.Appointments, appt.ID) || !slices.Contains(events[0].Records.Patients, appt.Patient.ID) {
		t.Errorf("audit events of the export: %+v, %v; want one naming appointment %d and its patient", events, err, appt.ID)
	}

	// Another account's export is its own, and holds none of these.
	_, theirs := a.do(request{method: "GET", url: "/api/v1/me/export", headers: map[string]string{"Cookie": other}})
	if strings.Contains(string(theirs), holder.HealthNumber) || strings.Contains(string(theirs), to) {
		t.Errorf("another account's export carries this one's data: %s", theirs)
	}

	a.runScenarios(t, []scenario{
		{"no session", request{method: "GET", url: "/api/v1/me/export"}, http.StatusUnauthorized,
			[]string{`"code":"unauthorized"`, "Connectez-vous à votre compte patient"}, []string{holder.HealthNumber}},
		{"session unknown", request{method: "GET", url: "/api/v1/me/export", headers: map[string]string{"Cookie": auth.PatientSessionCookie + "=nope",
			"Accept-Language": "en"}}, http.StatusUnauthorized, []string{"Sign in to your patient account"}, nil},
		{"a staff session opens nothing", request{method: "GET", url: "/api/v1/me/export", headers: map[string]string{"Cookie": auth.SessionCookie + "=x"}},
			http.StatusUnauthorized, []string{`"code":"unauthorized"`}, nil},
	})
}
