package web

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"rdv"
)

// patientPages renders, in one language, every page of a patient's
// account: the sign-in by code with its messages, « Mes rendez-vous »
// with an appointment and its pages, « Ma famille », « Mon compte »,
// and the booking form and search of a signed-in patient whose child is
// registered with a clinic.
func (s *site) patientPages(t *testing.T, lang string) map[string]answer {
	t.Helper()
	pages := map[string]answer{}
	b := inLang(newBrowser(t, s), lang)
	b.addr = "192.0.2.40:50000"
	to := "famille-" + lang + "@exemple.ca"

	pages["patient sign-in"] = b.do(http.MethodGet, patientSigninPath, nil).want(t, http.StatusOK)
	b.askCode("x@").want(t, http.StatusSeeOther)
	pages["patient sign-in with errors"] = b.do(http.MethodGet, patientSigninPath, nil).want(t, http.StatusUnprocessableEntity)
	b.askCode(to).want(t, http.StatusSeeOther)
	pages["patient code"] = b.do(http.MethodGet, patientCodePath, nil).want(t, http.StatusOK)
	b.typeCode("1").want(t, http.StatusSeeOther)
	pages["patient code with errors"] = b.do(http.MethodGet, patientCodePath, nil).want(t, http.StatusUnprocessableEntity)
	b.typeCode(sentCode(t, s, to)).want(t, http.StatusSeeOther)

	pages["my appointments, none"] = b.do(http.MethodGet, patientHomePath, nil).want(t, http.StatusOK)
	pages["family, none"] = b.do(http.MethodGet, familyPath, nil).want(t, http.StatusOK)
	b.addPerson(person("", "", "x", "x", rdv.Self)).want(t, http.StatusSeeOther)
	pages["family with errors"] = b.do(http.MethodGet, familyPath, nil).want(t, http.StatusUnprocessableEntity)
	b.addPerson(person("Julie", "Tremblay-O'Neil", "1990-05-17", "TREJ90551712", rdv.Self)).want(t, http.StatusSeeOther)
	added := b.addPerson(person("Léa", "Tremblay", "2019-03-02", "TREL19530212", rdv.Parent)).want(t, http.StatusSeeOther)
	pages["family"] = b.follow(added).want(t, http.StatusOK)
	ps, err := s.store.People(t.Context(), b.patientID())
	if err != nil || len(ps) != 2 {
		t.Fatalf("people %+v, %v", ps, err)
	}
	child := strconv.FormatInt(ps[1].ID, 10)
	pages["person"] = b.do(http.MethodGet, familyPath+"/"+child, nil).want(t, http.StatusOK)
	pages["account"] = b.do(http.MethodGet, accountPath, nil).want(t, http.StatusOK)
	saved := b.post(pages["account"], accountPath, url.Values{"language": {lang}, notifyEmailField: {"1"}})
	pages["account saved"] = b.follow(saved).want(t, http.StatusOK)

	if _, err := s.store.AddToRoster(t.Context(), rdv.RosterEntry{ClinicID: 1, FirstName: "Léa", LastName: "Tremblay",
		BirthDate: ps[1].BirthDate, HealthNumber: ps[1].HealthNumber, AddedAt: s.engine.Now()}); err != nil {
		t.Fatalf("roster: %v", err)
	}
	pages["search, rostered"] = b.do(http.MethodGet, pediatricsSearch(s)+"&lang="+lang, nil).want(t, http.StatusOK)

	formURL := b.holdFirst(lang)
	pages["booking form, signed in"] = b.do(http.MethodGet, formURL, nil).want(t, http.StatusOK)
	filled := b.do(http.MethodGet, formURL+"?pour="+child, nil).want(t, http.StatusOK)
	pages["booking form for a child"] = filled
	v := formValues(t, filled.body, `id="booking"`)
	b.post(filled, formURL, v).want(t, http.StatusSeeOther)
	mine := b.do(http.MethodGet, patientHomePath, nil).want(t, http.StatusOK)
	pages["my appointments"] = mine
	as, err := s.store.AccountAppointments(t.Context(), b.patientID())
	if err != nil || len(as) == 0 {
		t.Fatalf("appointments %v, %v", as, err)
	}
	n := strconv.FormatInt(as[0].ID, 10)
	pages["my appointment, cancel"] = b.do(http.MethodGet, "/mes-rendez-vous/"+n+"/annuler", nil).want(t, http.StatusOK)
	pages["my appointment, other times"] = b.do(http.MethodGet, "/mes-rendez-vous/"+n+"/changer", nil).want(t, http.StatusOK)
	done := b.post(pages["my appointment, cancel"], "/mes-rendez-vous/"+n+"/annuler", url.Values{})
	pages["my appointments, one cancelled"] = b.follow(done).want(t, http.StatusOK)
	pages["my appointment, not found"] = b.do(http.MethodGet, "/mes-rendez-vous/999999/annuler", nil).want(t, http.StatusNotFound)
	out := b.post(mine, "/compte/deconnexion", url.Values{})
	pages["signed out"] = b.follow(out).want(t, http.StatusOK)
	return pages
}

// pediatricsSearch is a search for pediatrics near Montréal over the test
// network's days, whose times are all kept for registered patients.
func pediatricsSearch(s *site) string {
	return "/recherche?" + url.Values{
		"service": {"pediatrics"}, "lieu": {"Montréal"}, "rayon": {"25"},
		"du": {s.start.String()}, "au": {s.start.AddDays(2).String()},
	}.Encode()
}
