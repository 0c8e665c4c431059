package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rdv"
)

var slotIDField = regexp.MustCompile(`name="slot_id" value="(\d+)"`)

// rosteredSection returns the slot IDs of the section of a results page
// that lists the times kept for a patient's clinic, nil when it has none.
func rosteredSection(page string) []string {
	i := strings.Index(page, `<section class="rostered"`)
	if i < 0 {
		return nil
	}
	end := strings.Index(page[i:], "</section>")
	var ids []string
	for _, m := range slotIDField.FindAllStringSubmatch(page[i:i+end], -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// TestRosteredSlots: the times a clinic keeps for its registered patients
// show in search, marked free, to a signed-in patient whose child is on
// its roster, and to nobody else; that patient holds and books one for
// the child, and the store refuses it for someone not on the roster.
func TestRosteredSlots(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	b := newBrowser(t, s)
	b.signInPatient("julie@exemple.ca", "julie@exemple.ca")
	b.addPerson(person("Julie", "Tremblay-O'Neil", "1990-05-17", "TREJ90551712", rdv.Self)).want(t, http.StatusSeeOther)
	b.addPerson(person("Léa", "Tremblay", "2019-03-02", "TREL19530212", rdv.Parent)).want(t, http.StatusSeeOther)
	b.addPerson(person("Tom", "Tremblay", "2018-06-10", "", rdv.Parent)).want(t, http.StatusSeeOther)
	ps, err := s.store.People(t.Context(), b.patientID())
	if err != nil || len(ps) != 3 {
		t.Fatalf("people %+v, %v", ps, err)
	}
	search := pediatricsSearch(s)

	if ids := rosteredSection(b.do(http.MethodGet, search, nil).want(t, http.StatusOK).body); ids != nil {
		t.Fatalf("kept times %v shown before the roster", ids)
	}
	if _, err := s.store.AddToRoster(t.Context(), rdv.RosterEntry{ClinicID: 1, FirstName: "Léa", LastName: "Tremblay",
		BirthDate: ps[1].BirthDate, HealthNumber: ps[1].HealthNumber, AddedAt: s.engine.Now()}); err != nil {
		t.Fatal(err)
	}
	page := b.do(http.MethodGet, search, nil).want(t, http.StatusOK)
	ids := rosteredSection(page.body)
	if len(ids) != rosteredPerClinic {
		t.Fatalf("%d kept times shown, want %d", len(ids), rosteredPerClinic)
	}
	page.contains(t, translate("fr", "rostered.title"), translate("fr", "rostered.badge"), "Clinique du Plateau")
	for _, id := range ids {
		n, _ := strconv.ParseInt(id, 10, 64)
		sl, err := s.store.Slot(t.Context(), n)
		if err != nil || sl.ClinicID != 1 || sl.Audience != rdv.Rostered {
			t.Errorf("slot %s shown as kept: %+v, %v", id, sl, err)
		}
	}

	// Nobody else sees them, nor holds them.
	for name, page := range map[string]answer{
		"someone not signed in": s.get(search, "fr").want(t, http.StatusOK),
		"another account": func() answer {
			o := newBrowser(t, s)
			o.signInPatient("autre@exemple.ca", "autre@exemple.ca")
			return o.do(http.MethodGet, search, nil).want(t, http.StatusOK)
		}(),
		// The child's number typed under another name or birth date in
		// « Ma famille » neither shows them nor says where she is
		// registered.
		"another account with the number under another name":     s.withPerson(t, "lucie@exemple.ca", person("Lucie", "Tremblay", "2019-03-02", "TREL19530212", rdv.Parent), search),
		"another account with the number, born a century before": s.withPerson(t, "vieux@exemple.ca", person("Léa", "Tremblay", "1919-03-02", "TREL19530212", rdv.Parent), search),
	} {
		if got := rosteredSection(page.body); got != nil {
			t.Errorf("%s sees kept times %v", name, got)
		}
	}
	refused := s.post("/reserver", url.Values{"slot_id": {ids[0]}, "q": {strings.TrimPrefix(search, "/recherche?")}}, "fr").want(t, http.StatusSeeOther)
	if loc := refused.location(t); !strings.Contains(loc, "avis=slot_taken") {
		t.Errorf("a hold on a kept time without the roster leads to %s", loc)
	}

	// The child on the roster is booked, free.
	hold := func(id string) string {
		page := b.do(http.MethodGet, search, nil).want(t, http.StatusOK)
		return b.post(page, "/reserver", url.Values{"slot_id": {id}, "cle": {"k" + id}}).want(t, http.StatusSeeOther).location(t)
	}
	formURL := hold(ids[0])
	if !strings.HasPrefix(formURL, "/reservation/") {
		t.Fatalf("holding a kept time leads to %s", formURL)
	}
	filled := b.do(http.MethodGet, formURL+"?pour="+strconv.FormatInt(ps[1].ID, 10), nil).want(t, http.StatusOK)
	id, _ := linkParts(t, b.post(filled, formURL, formValues(t, filled.body, `id="booking"`)).want(t, http.StatusSeeOther).location(t))
	a, err := s.store.Appointment(t.Context(), id)
	if err != nil || a.FeeCents != 0 || a.Patient.FirstName != "Léa" || strconv.FormatInt(a.Slot.ID, 10) != ids[0] {
		t.Errorf("appointment %+v, %v", a, err)
	}

	// A child not on the roster is refused, with a clear message.
	formURL = hold(ids[1])
	filled = b.do(http.MethodGet, formURL+"?pour="+strconv.FormatInt(ps[2].ID, 10), nil).want(t, http.StatusOK)
	v := formValues(t, filled.body, `id="booking"`)
	v.Set("health_number", "TRET18061012")
	no := b.post(filled, formURL, v).want(t, http.StatusForbidden)
	no.contains(t, translate("fr", "book.err.not_rostered"))
}

// withPerson signs in a new account, adds p to its family and answers the
// page at path.
func (s *site) withPerson(t *testing.T, email string, p url.Values, path string) answer {
	t.Helper()
	o := newBrowser(t, s)
	o.signInPatient(email, email)
	o.addPerson(p).want(t, http.StatusSeeOther)
	return o.do(http.MethodGet, path, nil).want(t, http.StatusOK)
}
