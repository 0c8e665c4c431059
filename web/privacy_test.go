package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// accountSlots returns n free public slots of clinic 1 on the site's
// first day, each at a later time than the one before.
func accountSlots(t *testing.T, s *site, n int) []rdv.Slot {
	t.Helper()
	var out []rdv.Slot
	err := s.store.ScanBookable(t.Context(), s.start.Start(rdv.Toronto), time.Now(), func(sl rdv.Slot) error {
		if sl.ClinicID == 1 && sl.Audience == rdv.Public && sl.State == rdv.SlotFree && rdv.DateOf(sl.Start) == s.start {
			out = append(out, sl)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("scan slots: %v", err)
	}
	slices.SortFunc(out, func(a, b rdv.Slot) int { return a.Start.Compare(b.Start) })
	// One slot a start time, so that each is past or to come alone.
	out = slices.CompactFunc(out, func(a, b rdv.Slot) bool { return a.Start.Equal(b.Start) })
	if len(out) < n {
		t.Fatalf("%d free slots, want %d", len(out), n)
	}
	return out[:n]
}

// bookForAccount books sl for the account, as its holder's booking would.
func bookForAccount(t *testing.T, s *site, accountID int64, sl rdv.Slot, p rdv.Patient) rdv.Appointment {
	t.Helper()
	h, _, err := s.store.PlaceHold(t.Context(), rdv.HoldRequest{HoldID: "h-" + strconv.FormatInt(sl.ID, 10), SlotID: sl.ID,
		ClientKey: "privacy", TTL: time.Minute, Now: time.Now()})
	if err != nil {
		t.Fatalf("hold: %v", err)
	}
	a, _, err := s.store.ConfirmHold(t.Context(), rdv.ConfirmRequest{HoldID: h.ID, Patient: p, BookedBy: rdv.BySelf, Channel: rdv.Web,
		CancelTokenHash: auth.HashToken("privacy"), Now: time.Now(), Notify: rdv.Notify{Email: true}, AccountID: accountID})
	if err != nil {
		t.Fatalf("book: %v", err)
	}
	s.index.Apply(rdv.SlotChanges{Taken: []rdv.Slot{a.Slot}})
	return a
}

// TestCloseAccount: a patient sees their consent's history and the
// links to their data, confirms the closing (refused unticked, with the
// reason), and is signed out; their upcoming appointment is cancelled
// and its slot bookable again; the clinic still sees the past one, as a
// removed patient, in both languages.
func TestCloseAccount(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	to := "rosalinde.q@exemple.ca"
	b := newBrowser(t, s)
	b.signInPatient(to, to)
	id := b.patientID()
	p := rdv.Patient{FirstName: "Rosalinde", LastName: "Quevillon", BirthDate: rdv.Date{Year: 1979, Month: time.October, Day: 23},
		HealthNumber: "QUER79102317", Phone: "+15145550142", Email: to, Language: "fr"}
	slots := accountSlots(t, s, 2)
	past := bookForAccount(t, s, id, slots[0], p)
	upcoming := bookForAccount(t, s, id, slots[1], p)
	s.clock.Set(past.Slot.Start.Add(time.Minute))
	t.Cleanup(func() { s.clock.Set(time.Time{}) })

	account := b.do(http.MethodGet, accountPath, nil).want(t, http.StatusOK)
	for _, want := range []string{"Historique de vos consentements", "Accepté", `href="/api/v1/me/export"`, `href="/compte/fermer"`} {
		if !strings.Contains(account.body, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	ask := b.do(http.MethodGet, accountClosePath, nil).want(t, http.StatusOK)
	_, listed, _ := strings.Cut(ask.body, `<ul id="cancelled">`)
	listed, _, _ = strings.Cut(listed, "</ul>")
	if when := FormatDateTime(upcoming.Slot.Start, "fr"); !strings.Contains(listed, when) || strings.Count(listed, "<li>") != 1 {
		t.Errorf("closing page lists %q, want the upcoming appointment (%s) alone", listed, when)
	}
	refused := b.post(ask, accountClosePath, url.Values{}).want(t, http.StatusUnprocessableEntity)
	if !strings.Contains(refused.body, "Cochez la case pour confirmer") {
		t.Errorf("unticked closing: no reason given")
	}
	if _, err := s.store.PatientAccount(t.Context(), id); err != nil {
		t.Fatalf("account after an unticked closing: %v", err)
	}
	done := b.post(ask, accountClosePath, url.Values{"confirm": {"1"}}).want(t, http.StatusSeeOther)
	if loc := done.location(t); loc != "/?avis=account_closed" {
		t.Fatalf("closing leads to %s", loc)
	}
	if home := b.follow(done).want(t, http.StatusOK); !strings.Contains(home.body, "Votre compte est fermé") {
		t.Error("home after closing: no notice")
	}
	b.do(http.MethodGet, accountPath, nil).want(t, http.StatusSeeOther)
	if _, err := s.store.PatientAccount(t.Context(), id); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Fatalf("account after closing: %v, want not found", err)
	}
	if es, err := s.store.AuditEvents(t.Context(), rdv.AuditQuery{ActorKind: rdv.ActorPatient, ActorID: id, Action: rdv.AuditAccountChange}); err != nil ||
		len(es) != 1 || !slices.Contains(es[0].Records.Appointments, upcoming.ID) {
		t.Errorf("audit events of the closing: %+v, %v; want one by the holder naming appointment %d", es, err, upcoming.ID)
	}
	if a, err := s.store.Appointment(t.Context(), upcoming.ID); err != nil || a.Status != rdv.Cancelled {
		t.Fatalf("upcoming appointment after closing: %+v, %v", a, err)
	}
	if sl, err := s.store.Slot(t.Context(), upcoming.Slot.ID); err != nil || sl.State != rdv.SlotFree {
		t.Fatalf("upcoming slot after closing: %+v, %v; want it free", sl, err)
	}

	desk := staffBrowser(t, s, accts, rdv.Receptionist)
	for lang, want := range map[string]string{"fr": "patient·e retiré·e", "en": "removed patient"} {
		day := inLang(desk, lang).do(http.MethodGet, "/clinique?date="+s.start.String(), nil).want(t, http.StatusOK)
		if !strings.Contains(day.body, want) || strings.Contains(day.body, p.LastName) {
			t.Errorf("%s: the clinic's day does not show the past appointment as %q", lang, want)
		}
		item := desk.do(http.MethodGet, "/clinique/rendez-vous/"+strconv.FormatInt(past.ID, 10), nil).want(t, http.StatusOK)
		if !strings.Contains(item.body, want) || strings.Contains(item.body, p.Phone) {
			t.Errorf("%s: the appointment's page does not show a removed patient", lang)
		}
	}
}

// TestPrivacyRegister: operators list, add and change the register's
// entries; every field at fault is named, a notice without its date is
// refused, and only operators reach it.
func TestPrivacyRegister(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	op := staffBrowser(t, s, accts, rdv.Operator)
	list := op.do(http.MethodGet, privacyIncidentsPath, nil).want(t, http.StatusOK)
	if !strings.Contains(list.body, "Aucun incident consigné") {
		t.Error("empty register: no word of it")
	}
	bad := op.post(list, privacyIncidentsPath, url.Values{"found_at": {"hier"}, "description": {" "}, "cai_notified": {"1"}}).
		want(t, http.StatusUnprocessableEntity)
	for _, want := range []string{"Entrez une date et une heure", "Ce champ est obligatoire.", "Pour un avis donné", `href="#f-measures"`} {
		if !strings.Contains(bad.body, want) {
			t.Errorf("refused entry: page lacks %q", want)
		}
	}
	entry := url.Values{"found_at": {"2026-03-14T09:30"}, "description": {"Courriel envoyé à la mauvaise adresse."},
		"data_concerned": {"Nom, heure du rendez-vous."}, "people_concerned": {"1 patient·e"}, "risk_assessment": {"Faible."},
		"measures": {"Adresse corrigée."}}
	added := op.post(list, privacyIncidentsPath, entry).want(t, http.StatusSeeOther)
	shown := op.follow(added).want(t, http.StatusOK)
	if !strings.Contains(shown.body, "Courriel envoyé à la mauvaise adresse.") || !strings.Contains(shown.body, "est consigné au registre") {
		t.Error("register after adding: entry or notice missing")
	}
	all, err := s.store.PrivacyIncidents(context.Background())
	if err != nil || len(all) != 1 || all[0].RecordedBy != accts[rdv.Operator].ID {
		t.Fatalf("register %+v, %v; want one entry recorded by the operator", all, err)
	}
	path := privacyIncidentsPath + "/" + strconv.FormatInt(all[0].ID, 10)
	page := op.do(http.MethodGet, path, nil).want(t, http.StatusOK)
	if !strings.Contains(page.body, "Adresse corrigée.") || !strings.Contains(page.body, `value="2026-03-14T09:30"`) {
		t.Error("entry's page does not show the entry")
	}
	entry.Set("cai_notified", "1")
	entry.Set("cai_notified_at", "2026-03-15T10:00")
	op.post(page, path, entry).want(t, http.StatusSeeOther)
	if got, err := s.store.PrivacyIncident(context.Background(), all[0].ID); err != nil || !got.CAINotified ||
		!got.CAINotifiedAt.Equal(time.Date(2026, 3, 15, 10, 0, 0, 0, rdv.Toronto)) {
		t.Fatalf("entry after the notice: %+v, %v", got, err)
	}
	op.do(http.MethodGet, privacyIncidentsPath+"/999", nil).want(t, http.StatusNotFound)
	if en := inLang(op, "en").do(http.MethodGet, privacyIncidentsPath, nil).want(t, http.StatusOK); !strings.Contains(en.body, "Register of confidentiality incidents") {
		t.Error("register in English: no English title")
	}
	staffBrowser(t, s, accts, rdv.Receptionist).do(http.MethodGet, privacyIncidentsPath, nil).want(t, http.StatusForbidden)
}

// privacyPages renders, in one language, the pages of a patient's rights
// and of the operators' register, with their errors, for the checks every
// page passes.
func (s *site) privacyPages(t *testing.T, lang string) map[string]answer {
	t.Helper()
	pages := map[string]answer{}
	b := inLang(newBrowser(t, s), lang)
	b.addr = "192.0.2.41:50000"
	to := "droits-" + lang + "@exemple.ca"
	b.signInPatient(to, to)
	pages["privacy: account"] = b.do(http.MethodGet, accountPath, nil).want(t, http.StatusOK)
	ask := b.do(http.MethodGet, accountClosePath, nil).want(t, http.StatusOK)
	pages["privacy: close"] = ask
	pages["privacy: close refused"] = b.post(ask, accountClosePath, url.Values{}).want(t, http.StatusUnprocessableEntity)

	hash, err := auth.HashPassword(testPassword, fastParams)
	if err != nil {
		t.Fatal(err)
	}
	a := rdv.Account{Email: "privacy." + lang + "@pages.example", Name: "op", Role: rdv.Operator, PasswordHash: hash, Language: lang}
	if _, err := s.store.CreateAccount(context.Background(), a); err != nil {
		t.Fatalf("create operator: %v", err)
	}
	op := inLang(newBrowser(t, s), lang)
	op.signIn(a.Email, testPassword).want(t, http.StatusSeeOther)
	list := op.do(http.MethodGet, privacyIncidentsPath, nil).want(t, http.StatusOK)
	pages["privacy: register"] = list
	pages["privacy: register refused"] = op.post(list, privacyIncidentsPath, url.Values{"found_at": {"x"}, "people_notified_at": {"2026-01-01T10:00"}}).
		want(t, http.StatusUnprocessableEntity)
	entry := url.Values{"found_at": {"2026-03-14T09:30"}, "description": {"x"}, "data_concerned": {"x"}, "people_concerned": {"x"},
		"risk_assessment": {"x"}, "measures": {"x"}, "serious_risk": {"1"}}
	pages["privacy: register with an entry"] = op.follow(op.post(list, privacyIncidentsPath, entry)).want(t, http.StatusOK)
	all, err := s.store.PrivacyIncidents(context.Background())
	if err != nil || len(all) == 0 {
		t.Fatalf("register: %v, %v", all, err)
	}
	pages["privacy: register entry"] = op.do(http.MethodGet, privacyIncidentsPath+"/"+strconv.FormatInt(all[0].ID, 10), nil).want(t, http.StatusOK)
	return pages
}
