package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// bookNotified books a slot for a patient who chose the channels n.
func bookNotified(t *testing.T, s *site, slotID int64, n rdv.Notify) rdv.Appointment {
	t.Helper()
	ctx, now := t.Context(), time.Now()
	hold := fmt.Sprintf("h-notified-%d", slotID)
	if _, _, err := s.store.PlaceHold(ctx, rdv.HoldRequest{HoldID: hold, SlotID: slotID, ClientKey: hold, TTL: time.Minute, Now: now, AllowRostered: true}); err != nil {
		t.Fatal(err)
	}
	token := "jeton-" + hold
	a, _, err := s.store.ConfirmHold(ctx, rdv.ConfirmRequest{HoldID: hold, BookedBy: rdv.BySelf, Channel: rdv.Web,
		Patient: rdv.Patient{FirstName: "Léa", LastName: "Côté", BirthDate: rdv.Date{Year: 1985, Month: 4, Day: 7}, HealthNumber: "COTL85540712",
			Email: "lea.cote@example.org", Phone: "+15145550123", Language: "fr"},
		CancelToken: token, CancelTokenHash: auth.HashToken(token), Now: now, Notify: n})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// outage is an incident's form as an operator fills it: clinic 1 on the
// first morning of the test network.
func (s *site) outage() url.Values {
	return url.Values{"scope": {"some"}, "clinics": {"1"}, "from_date": {s.start.String()}, "from_time": {"08:00"},
		"to_date": {s.start.String()}, "to_time": {"12:00"},
		"text_fr": {"Panne informatique à la clinique.\nVotre rendez-vous est reporté."}, "text_en": {"Computer outage at the clinic.\nWe are sorry for the delay."}}
}

// TestOperatorIncidents: an operator finds a clinic's number, previews
// an outage (the clinics named, how many will be told, nothing written),
// goes back to the form as typed, then declares it (post/redirect/get):
// the list shows it with its count and the notices are in the outbox; in
// both languages.
func TestOperatorIncidents(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			s := mustOpenSite(t)
			accts := withStaff(t, s)
			// On the first morning, clinic 1 holds the network's booking of
			// slot 2 (no channel chosen) and this one, by email; clinic 2's
			// is outside the incident.
			told := bookNotified(t, s, 3, rdv.Notify{Email: true})
			bookNotified(t, s, 67, rdv.Notify{SMS: true})
			b := staffBrowser(t, s, accts, rdv.Operator)
			b.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: lang}
			b.do(http.MethodGet, "/operateur", nil).want(t, http.StatusOK).contains(t, `href="`+incidentsPath+`"`, translate(lang, "inc.link"))

			page := b.do(http.MethodGet, incidentsPath, nil).want(t, http.StatusOK)
			page.contains(t, translate(lang, "inc.title"), translate(lang, "inc.none"), translate(lang, "inc.preview"), `value="all" checked`)
			found := b.do(http.MethodGet, incidentsPath+"?chercher=chomedey+LAVAL", nil).want(t, http.StatusOK)
			found.contains(t, "<td>2</td><td>Clinique Chomedey</td>")
			if strings.Contains(found.body, "Clinique du Plateau</td>") {
				t.Fatal("a search for Laval lists the Montréal clinic")
			}

			preview := b.post(page, incidentsPath+"/apercu", s.outage()).want(t, http.StatusOK)
			preview.contains(t, translate(lang, "inc.confirm.title"), translate(lang, "inc.clinic", 1, "Clinique du Plateau", "Montréal"),
				pluralize(lang, "inc.reach", 1), pluralize(lang, "inc.reach.notices", 1), pluralize(lang, "inc.reach.unreached", 1),
				"Panne informatique à la clinique.", translate(lang, "inc.declare"))
			if list, err := s.store.Incidents(t.Context()); err != nil || len(list) != 0 {
				t.Fatalf("a preview recorded %+v, %v", list, err)
			}
			// Going back finds the form as it was typed.
			b.do(http.MethodGet, incidentsPath, nil).want(t, http.StatusOK).contains(t, `value="some" checked`, `value="1"`, "We are sorry for the delay.")

			confirm := url.Values{}
			for _, m := range hiddenRE.FindAllStringSubmatch(preview.body, -1) {
				if m[1] != "csrf" {
					confirm.Set(m[1], unescape(m[2]))
				}
			}
			if confirm.Get("text_fr") != s.outage().Get("text_fr") {
				t.Fatalf("the confirmation carries the French text as %q", confirm.Get("text_fr"))
			}
			done := b.post(preview, incidentsPath, confirm).want(t, http.StatusSeeOther)
			if loc := done.location(t); loc != incidentsPath+"?avis=declared#incident-1" {
				t.Fatalf("declaring led to %s", loc)
			}
			list, err := s.store.Incidents(t.Context())
			if err != nil || len(list) != 1 {
				t.Fatalf("incidents: %+v, %v", list, err)
			}
			in := list[0]
			from, to := s.start.At(8*60, rdv.Toronto), s.start.At(12*60, rdv.Toronto)
			if len(in.ClinicIDs) != 1 || in.ClinicIDs[0] != 1 || !in.From.Equal(from) || !in.To.Equal(to) || in.Notified != 1 ||
				in.DeclaredBy != accts[rdv.Operator].ID || in.TextEN != s.outage().Get("text_en") {
				t.Fatalf("incident declared %+v", in)
			}
			ms, err := s.store.Messages(t.Context(), rdv.MessageFilter{AppointmentID: told.ID})
			if err != nil || !containsKind(ms, rdv.MessageOutage) {
				t.Fatalf("messages of the appointment told: %+v, %v", ms, err)
			}

			after := b.do(http.MethodGet, strings.Split(done.location(t), "#")[0], nil).want(t, http.StatusOK)
			after.contains(t, translate(lang, "inc.notice.declared"), `id="incident-1"`, "Clinique du Plateau (Montréal)", pluralize(lang, "inc.notified", 1),
				translate(lang, "inc.window", FormatDateTime(from, lang), FormatDateTime(to, lang)))
			// The form is empty again.
			if strings.Contains(after.body, "delay.</textarea>") || strings.Contains(after.body, `value="some" checked`) {
				t.Fatal("the form still holds the incident declared")
			}
			b.do(http.MethodGet, messagesPath, nil).want(t, http.StatusOK).contains(t, translate(lang, "msg.kind.outage"))
		})
	}
}

func containsKind(ms []rdv.Message, k rdv.MessageKind) bool {
	for _, m := range ms {
		if m.Kind == k {
			return true
		}
	}
	return false
}

// TestOperatorIncidentEveryClinic: an incident of every clinic names the
// network's count and reaches every clinic's appointments.
func TestOperatorIncidentEveryClinic(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	bookNotified(t, s, 3, rdv.Notify{Email: true})
	bookNotified(t, s, 67, rdv.Notify{SMS: true})
	b := staffBrowser(t, s, accts, rdv.Operator)
	page := b.do(http.MethodGet, incidentsPath, nil).want(t, http.StatusOK)
	form := s.outage()
	form.Set("scope", "all")
	form.Set("clinics", "999") // ignored for every clinic
	preview := b.post(page, incidentsPath+"/apercu", cloneValues(form)).want(t, http.StatusOK)
	preview.contains(t, pluralize("fr", "inc.all_clinics", 3), pluralize("fr", "inc.reach", 2), pluralize("fr", "inc.reach.notices", 2))
	b.post(preview, incidentsPath, form).want(t, http.StatusSeeOther)
	if list, _ := s.store.Incidents(t.Context()); len(list) != 1 || list[0].ClinicIDs != nil || list[0].Notified != 2 {
		t.Fatalf("incidents %+v", list)
	}
	b.do(http.MethodGet, incidentsPath, nil).want(t, http.StatusOK).contains(t, translate("fr", "inc.scope.all"), pluralize("fr", "inc.notified", 2))
}

// TestOperatorIncidentSentBack: a form with mistakes, on the preview or
// on the declaration, comes back by a redirect with each message by its
// field, in the operator's language, and declares nothing.
func TestOperatorIncidentSentBack(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	yesterday := s.start.AddDays(-2).String()
	for _, tc := range []struct {
		name  string
		edit  func(url.Values)
		field string
		key   string
		also  string
	}{
		{"no clinic named", func(v url.Values) { v.Set("clinics", " ") }, "clinics", "inc.err.clinics_none", ""},
		{"unknown clinics", func(v url.Values) { v.Set("clinics", "1, 999, x") }, "clinics", "inc.err.clinics_unknown", "999, x"},
		{"day unreadable", func(v url.Values) { v.Set("from_date", "demain") }, "from_date", "err.date", ""},
		{"time unreadable", func(v url.Values) { v.Set("to_time", "midi") }, "to_time", "inc.err.time", ""},
		{"end before start", func(v url.Values) { v.Set("to_time", "07:00") }, "to_date", "inc.err.window", ""},
		{"over", func(v url.Values) { v.Set("from_date", yesterday); v.Set("to_date", yesterday) }, "to_date", "inc.err.past", ""},
		{"no English", func(v url.Values) { v.Set("text_en", "") }, "text_en", "err.required", ""},
		{"too long", func(v url.Values) { v.Set("text_fr", strings.Repeat("é", rdv.MaxIncidentText+1)) }, "text_fr", "inc.err.too_long", ""},
		{"control character", func(v url.Values) { v.Set("text_fr", "Panne\x1b]8;;") }, "text_fr", "inc.err.text", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, lang := range []string{"fr", "en"} {
				for _, step := range []string{incidentsPath + "/apercu", incidentsPath} {
					b := staffBrowser(t, s, accts, rdv.Operator)
					b.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: lang}
					page := b.do(http.MethodGet, incidentsPath, nil).want(t, http.StatusOK)
					form := s.outage()
					tc.edit(form)
					var back answer
					if tc.key == "inc.err.too_long" {
						// Too big for the cookie that carries a draft: answered in place.
						back = b.post(page, step, form).want(t, http.StatusUnprocessableEntity)
					} else {
						back = b.sentBack(b.post(page, step, form), incidentsPath)
					}
					back.contains(t, translate(lang, "form.errors"), `id="`+fieldID(tc.field)+`-error"`, translate(lang, tc.key), tc.also)
					if tc.field != "text_en" {
						back.contains(t, "We are sorry for the delay.")
					}
				}
			}
		})
	}
	if list, err := s.store.Incidents(t.Context()); err != nil || len(list) != 0 {
		t.Fatalf("forms with mistakes declared %+v, %v", list, err)
	}
}

// TestOperatorIncidentsOperatorsOnly: nobody but an operator previews or
// declares an incident, and a forged post declares nothing.
func TestOperatorIncidentsOperatorsOnly(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	for role, home := range map[rdv.Role]string{rdv.PhoneAgent: "/agent", rdv.Receptionist: "/clinique", rdv.ClinicAdmin: "/clinique"} {
		b := staffBrowser(t, s, accts, role)
		csrf := hiddenValue(t, b.do(http.MethodGet, home, nil).want(t, http.StatusOK).body, "csrf")
		for _, step := range []string{incidentsPath + "/apercu", incidentsPath} {
			form := s.outage()
			form.Set("csrf", csrf)
			b.do(http.MethodPost, step, form).want(t, http.StatusForbidden)
		}
	}
	op := staffBrowser(t, s, accts, rdv.Operator)
	forged := s.outage()
	forged.Set("csrf", "x")
	op.do(http.MethodPost, incidentsPath, forged).want(t, http.StatusForbidden).contains(t, translate("fr", "error.403.csrf"))
	if list, err := s.store.Incidents(t.Context()); err != nil || len(list) != 0 {
		t.Fatalf("incidents declared by others or a forged post: %+v, %v", list, err)
	}
}

// TestOperatorIncidentDeclaredOnce: the confirmation posted twice (a
// double click, Back and post again) declares one incident and tells its
// patients once; the second post leads to the same incident.
func TestOperatorIncidentDeclaredOnce(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	told := bookNotified(t, s, 3, rdv.Notify{Email: true})
	b := staffBrowser(t, s, accts, rdv.Operator)
	page := b.do(http.MethodGet, incidentsPath, nil).want(t, http.StatusOK)
	preview := b.post(page, incidentsPath+"/apercu", s.outage()).want(t, http.StatusOK)
	confirm := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(preview.body, -1) {
		if m[1] != "csrf" {
			confirm.Set(m[1], unescape(m[2]))
		}
	}
	first := b.post(preview, incidentsPath, cloneValues(confirm)).want(t, http.StatusSeeOther).location(t)
	second := b.post(preview, incidentsPath, cloneValues(confirm)).want(t, http.StatusSeeOther).location(t)
	if first != second {
		t.Fatalf("the second post led to %s, the first to %s", second, first)
	}
	if list, err := s.store.Incidents(t.Context()); err != nil || len(list) != 1 {
		t.Fatalf("the confirmation posted twice declared %+v, %v", list, err)
	}
	ms, err := s.store.Messages(t.Context(), rdv.MessageFilter{AppointmentID: told.ID})
	if err != nil {
		t.Fatal(err)
	}
	outages := 0
	for _, m := range ms {
		if m.Kind == rdv.MessageOutage {
			outages++
		}
	}
	if outages != 1 {
		t.Fatalf("the patient is told %d times", outages)
	}
	if confirm.Get("cle") == "" {
		t.Fatal("the confirmation carries no key")
	}
	// A new preview is a new declaration.
	again := b.post(page, incidentsPath+"/apercu", s.outage()).want(t, http.StatusOK)
	if hiddenValue(t, again.body, "cle") == confirm.Get("cle") {
		t.Fatal("two previews carry the same key")
	}
}
