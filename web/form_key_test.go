package web

import (
	"net/http"
	"net/url"
	"testing"

	"rdv"
)

// A form's key (« cle ») that comes back with other values is the
// sender's doing (a post made by hand, or replayed with its fields
// changed): it gets 422 and says so in the person's language, changes
// nothing, and is no server fault. sqlmap's run found the confirmation of
// a move and the operators' confirmation of an outage answering 500 and
// logging an error for each such post.
func TestFormKeyReusedWithOtherValues(t *testing.T) {
	t.Parallel()
	t.Run("move", func(t *testing.T) {
		t.Parallel()
		for _, lang := range []string{"fr", "en"} {
			rs := newRescheduling(t, lang)
			formURL, slot := rs.hold(t)
			v := rs.confirmForm(t, formURL)
			rs.s.post(confirmAction(formURL), v, lang).want(t, http.StatusSeeOther)
			// The key names the move's appointment and hold: the same key
			// to another hold's address.
			again := rs.s.post(confirmAction(formURL)+"x", v, lang).want(t, http.StatusUnprocessableEntity)
			again.contains(t, htmlText(translate(lang, "error.form_key_reused")))
			if a := rs.appointment(t); a.Slot.ID != slot || a.Status != rdv.Booked {
				t.Fatalf("%s: appointment on slot %d (%s), want %d booked", lang, a.Slot.ID, a.Status, slot)
			}
		}
	})
	t.Run("outage", func(t *testing.T) {
		t.Parallel()
		s := mustOpenSite(t)
		accts := withStaff(t, s)
		bookNotified(t, s, 1, rdv.Notify{Email: true})
		b := staffBrowser(t, s, accts, rdv.Operator)
		page := b.do(http.MethodGet, incidentsPath, nil).want(t, http.StatusOK)
		preview := b.post(page, incidentsPath+"/apercu", s.outage()).want(t, http.StatusOK)
		confirm := url.Values{}
		for _, m := range hiddenRE.FindAllStringSubmatch(preview.body, -1) {
			if m[1] != "csrf" {
				confirm.Set(m[1], unescape(m[2]))
			}
		}
		b.post(preview, incidentsPath, cloneValues(confirm)).want(t, http.StatusSeeOther)
		changed := cloneValues(confirm)
		changed.Set("text_fr", changed.Get("text_fr")+" (autre texte)")
		again := b.post(preview, incidentsPath, changed).want(t, http.StatusUnprocessableEntity)
		again.contains(t, htmlText(translate("fr", "error.form_key_reused")))
		if list, err := s.store.Incidents(t.Context()); err != nil || len(list) != 1 {
			t.Fatalf("incidents after the key came back with another text: %+v, %v", list, err)
		}
	})
}
