package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"rdv"
)

// person is a person's form as the family page posts it.
func person(first, last, birth, hn string, rel rdv.Relationship) url.Values {
	return url.Values{"first_name": {first}, "last_name": {last}, "birth_date": {birth}, "health_number": {hn}, "relationship": {string(rel)}}
}

// addPerson posts a person from the family page and returns the answer.
func (b *browser) addPerson(v url.Values) answer {
	b.t.Helper()
	page := b.do(http.MethodGet, familyPath, nil).want(b.t, http.StatusOK)
	return b.post(page, familyPath, v)
}

var personLink = regexp.MustCompile(`href="/ma-famille/(\d+)"`)

// personIDs returns the IDs the family page links, in its order.
func personIDs(t *testing.T, page string) []int64 {
	t.Helper()
	var ids []int64
	for _, m := range personLink.FindAllStringSubmatch(page, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	return ids
}

// TestFamily adds, sends back, changes and removes an account's people,
// in both languages.
func TestFamily(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			s := mustOpenSite(t)
			b := inLang(newBrowser(t, s), lang)
			b.signInPatient("julie@exemple.ca", "julie@exemple.ca")
			T := func(key string, args ...any) string { return translate(lang, key, args...) }

			empty := b.do(http.MethodGet, familyPath, nil).want(t, http.StatusOK)
			empty.contains(t, T("family.none"), `<option value="self" selected>`)

			added := b.addPerson(person("Julie", "Tremblay-O'Neil", "1990-05-17", "trej 9055 1712", rdv.Self)).want(t, http.StatusSeeOther)
			if loc := added.location(t); loc != familyPath+"?avis=person_added" {
				t.Fatalf("adding leads to %s", loc)
			}
			list := b.follow(added).want(t, http.StatusOK)
			list.contains(t, T("family.notice.added"), "Julie Tremblay-O'Neil", T("family.rel.self"), "1712")
			list.lacks(t, "TREJ90551712")
			list.lacks(t, `<option value="self"`)

			// A form with mistakes comes back by a redirect, its messages
			// shown once with 422, what was typed kept.
			bad := b.addPerson(person("", "Tremblay", "2019-03-02", "XXXX 1234", rdv.Parent)).want(t, http.StatusSeeOther)
			if loc := bad.location(t); loc != familyPath {
				t.Fatalf("a form with mistakes leads to %s", loc)
			}
			back := b.do(http.MethodGet, familyPath, nil).want(t, http.StatusUnprocessableEntity)
			back.contains(t, T("err.required"), T("err.health_number"), `value="XXXX 1234"`, `value="2019-03-02"`)
			again := b.do(http.MethodGet, familyPath, nil).want(t, http.StatusOK)
			again.contains(t, `value="XXXX 1234"`)
			again.lacks(t, T("err.health_number"))

			b.addPerson(person("Léa", "Tremblay", "2019-03-02", "", rdv.Parent)).want(t, http.StatusSeeOther)
			b.addPerson(person("Marc", "Tremblay", "1960-01-01", "", rdv.Self)).want(t, http.StatusSeeOther)
			b.do(http.MethodGet, familyPath, nil).want(t, http.StatusUnprocessableEntity).contains(t, T("family.err.self_twice"))
			b.addPerson(person("Zoé", "Tremblay", "2999-01-01", "", rdv.Parent)).want(t, http.StatusSeeOther)
			b.do(http.MethodGet, familyPath, nil).want(t, http.StatusUnprocessableEntity).contains(t, T("err.birth_date"))

			ps, err := s.store.People(t.Context(), b.patientID())
			if err != nil || len(ps) != 2 || ps[0].Relationship != rdv.Self || ps[0].HealthNumber != "TREJ90551712" || ps[1].FirstName != "Léa" {
				t.Fatalf("people stored: %+v, %v", ps, err)
			}
			ids := personIDs(t, b.do(http.MethodGet, familyPath, nil).body)
			if len(ids) != 2 || ids[1] != ps[1].ID {
				t.Fatalf("links %v for people %+v", ids, ps)
			}

			edit := familyPath + "/" + strconv.FormatInt(ps[1].ID, 10)
			form := b.do(http.MethodGet, edit, nil).want(t, http.StatusOK)
			form.contains(t, `value="Léa"`, `<option value="parent" selected>`)
			form.lacks(t, `<option value="self"`)
			saved := b.post(form, edit, person("Léa", "Tremblay", "2019-03-02", "TREL 1953 0212", rdv.Parent)).want(t, http.StatusSeeOther)
			if loc := saved.location(t); loc != familyPath+"?avis=person_saved" {
				t.Errorf("saving leads to %s", loc)
			}
			b.post(form, edit, person("Léa", "Tremblay", "2019-03-02", "ABCD 1953 0212", rdv.Parent)).want(t, http.StatusSeeOther)
			b.do(http.MethodGet, edit, nil).want(t, http.StatusUnprocessableEntity).contains(t, T("err.hn_name"))

			// Another account reaches none of them.
			other := inLang(newBrowser(t, s), lang)
			other.signInPatient("autre@exemple.ca", "autre@exemple.ca")
			other.do(http.MethodGet, edit, nil).want(t, http.StatusNotFound)
			otherPage := other.do(http.MethodGet, familyPath, nil).want(t, http.StatusOK)
			other.post(otherPage, edit, person("X", "Y", "2000-01-01", "", rdv.Parent)).want(t, http.StatusNotFound)
			other.post(otherPage, edit+"/retirer", url.Values{}).want(t, http.StatusNotFound)
			otherPage.lacks(t, "Léa")

			list = b.do(http.MethodGet, familyPath, nil).want(t, http.StatusOK)
			removed := b.post(list, edit+"/retirer", url.Values{}).want(t, http.StatusSeeOther)
			b.follow(removed).want(t, http.StatusOK).contains(t, T("family.notice.removed"))
			if ps, _ := s.store.People(t.Context(), b.patientID()); len(ps) != 1 {
				t.Errorf("%d people after removing one of 2", len(ps))
			}
		})
	}
}
