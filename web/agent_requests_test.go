package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/storetest"
)

// addRequest stores a request near Montréal, where the test network's
// clinics are.
func addRequest(t *testing.T, s *site, ref string) rdv.AppointmentRequest {
	t.Helper()
	r := storetest.SampleRequest(ref, time.Now().Add(-time.Hour))
	r.Place, r.Lat, r.Lon = "Montréal", 45.5017, -73.5673
	got, err := s.store.AddRequest(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// formFields returns the hidden fields of the first form of a page whose
// action is action.
func formFields(t *testing.T, page, action string) url.Values {
	t.Helper()
	i := strings.Index(page, `action="`+action+`"`)
	if i < 0 {
		t.Fatalf("no form to %s on the page", action)
	}
	end := strings.Index(page[i:], "</form>")
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(page[i:i+end], -1) {
		v.Set(m[1], unescape(m[2]))
	}
	v.Del("csrf")
	return v
}

// TestAgentBooksForRequest: from the console, an agent opens the list
// and a request with the caller's details, books for it through the
// console with the details prefilled, and the request then shows the
// booking; a request already ended books nothing.
func TestAgentBooksForRequest(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	withRequests(t, s)
	req := addRequest(t, s, "D-AAAA-BOOK-0001")
	id := strconv.FormatInt(req.ID, 10)
	b := staffBrowser(t, s, accts, rdv.PhoneAgent)

	b.do(http.MethodGet, "/agent", nil).want(t, http.StatusOK).contains(t, `href="/agent/demandes"`)
	b.do(http.MethodGet, "/agent/demandes", nil).want(t, http.StatusOK).contains(t, `href="/agent/demandes/`+id+`"`, "D-AAAA-BOOK-0001")
	page := b.do(http.MethodGet, "/agent/demandes/"+id, nil).want(t, http.StatusOK)
	page.contains(t, "Émilie Tremblay", "TREE88541299", "514-555-0199", "les matins de semaine", "Ouverte", translate("fr", "req.book"))
	book := agentBookURL(req)
	page.contains(t, `href="`+htmlText(book)+`"`)

	console := b.do(http.MethodGet, book, nil).want(t, http.StatusOK)
	console.contains(t, "D-AAAA-BOOK-0001")
	slot := formFields(t, console.body, "/agent/reserver")
	if slot.Get("demande") != id {
		t.Fatalf("the console's slot form carries request %q, want %s", slot.Get("demande"), id)
	}
	loc := b.post(console, "/agent/reserver", slot).want(t, http.StatusSeeOther).location(t)
	if !strings.HasSuffix(loc, "?demande="+id) {
		t.Fatalf("hold for a request leads to %s", loc)
	}
	form := b.do(http.MethodGet, loc, nil).want(t, http.StatusOK)
	form.contains(t, `value="Émilie"`, `value="Tremblay"`, `value="TREE88541299"`, `value="1988-04-12"`, `name="demande" value="`+id+`"`)
	fields := formFields(t, form.body, strings.SplitN(loc, "?", 2)[0])
	for k, v := range map[string]string{"first_name": "Émilie", "last_name": "Tremblay", "birth_date": "1988-04-12",
		"health_number": "TREE88541299", "phone": "514-555-0199", "email": "emilie@example.org", "language": "fr"} {
		fields.Set(k, v)
	}
	done := b.post(form, strings.SplitN(loc, "?", 2)[0], fields).want(t, http.StatusSeeOther).location(t)
	got, err := s.store.Request(t.Context(), req.ID)
	if err != nil || got.Status != rdv.RequestBooked || got.AppointmentID == 0 {
		t.Fatalf("request after the booking: %+v, %v; want booked with its appointment", got, err)
	}
	if !strings.Contains(done, "/agent/confirmation/"+strconv.FormatInt(got.AppointmentID, 10)) {
		t.Fatalf("the booking led to %s", done)
	}
	b.do(http.MethodGet, done, nil).want(t, http.StatusOK).contains(t, translate("fr", "req.notice.booked"), `href="/agent/demandes/`+id+`"`)
	after := b.do(http.MethodGet, "/agent/demandes/"+id, nil).want(t, http.StatusOK)
	after.contains(t, "Réservée", translate("fr", "req.booked.appointment", got.AppointmentID))
	if strings.Contains(after.body, translate("fr", "req.book")) || strings.Contains(after.body, "/fermer") {
		t.Fatal("a booked request still offers to book or close it")
	}
	// Open requests only, by default: the booked one is under its own filter.
	if list := b.do(http.MethodGet, "/agent/demandes", nil).want(t, http.StatusOK); strings.Contains(list.body, "D-AAAA-BOOK-0001") {
		t.Fatal("the list of open requests shows a booked one")
	}
	b.do(http.MethodGet, "/agent/demandes?etat=reservees", nil).want(t, http.StatusOK).contains(t, "D-AAAA-BOOK-0001")

	// A second booking for the same request, from a page still open,
	// books nothing and says why.
	console = b.do(http.MethodGet, book, nil).want(t, http.StatusOK)
	slot = formFields(t, console.body, "/agent/reserver") // the console no longer carries the ended request
	if slot.Get("demande") != "" {
		t.Fatal("the console carries a request that is no longer open")
	}
	loc = b.post(console, "/agent/reserver", slot).want(t, http.StatusSeeOther).location(t)
	form = b.do(http.MethodGet, loc, nil).want(t, http.StatusOK)
	fields = formFields(t, form.body, loc)
	for k, v := range map[string]string{"first_name": "Émilie", "last_name": "Tremblay", "birth_date": "1988-04-12",
		"health_number": "TREE88541299", "phone": "514-555-0199", "language": "fr", "demande": id} {
		fields.Set(k, v)
	}
	res := b.post(form, loc, fields).want(t, http.StatusSeeOther)
	if !strings.HasSuffix(res.location(t), "/agent/demandes/"+id+"?avis=not_open") {
		t.Fatalf("booking for a booked request led to %s", res.location(t))
	}
	if again, _ := s.store.Request(t.Context(), req.ID); again.AppointmentID != got.AppointmentID {
		t.Fatalf("the request now points at appointment %d, want %d", again.AppointmentID, got.AppointmentID)
	}
	sid, _ := strconv.ParseInt(slot.Get("slot_id"), 10, 64)
	if sl, _ := s.store.Slot(t.Context(), sid); sl.State != rdv.SlotHeld {
		t.Fatalf("the refused booking's slot is %s, want still held", sl.State)
	}
	b.do(http.MethodGet, res.location(t), nil).want(t, http.StatusOK).contains(t, translate("fr", "req.notice.not_open"))
}

// TestAgentClosesRequest: closing needs a reason from the list, and a
// note for "other"; a closed request says why and cannot be closed again.
func TestAgentClosesRequest(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	withRequests(t, s)
	req := addRequest(t, s, "D-AAAA-CLOS-0001")
	id := strconv.FormatInt(req.ID, 10)
	target := "/agent/demandes/" + id + "/fermer"
	b := staffBrowser(t, s, accts, rdv.PhoneAgent)
	page := b.do(http.MethodGet, "/agent/demandes/"+id, nil).want(t, http.StatusOK)
	page.contains(t, `action="`+target+`"`, translate("fr", "req.reason.unreachable"), translate("fr", "req.reason.other"))

	for _, tt := range []struct {
		name    string
		form    url.Values
		message string
	}{
		{"no reason", url.Values{}, "req.err.reason"},
		{"unknown reason", url.Values{"reason": {"bored"}}, "req.err.reason"},
		{"other without a note", url.Values{"reason": {"other"}, "note": {"  "}}, "req.err.note_other"},
		{"note too long", url.Values{"reason": {"unreachable"}, "note": {strings.Repeat("a", 501)}}, "req.err.note_long"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := b.sentBack(b.post(page, target, tt.form), "/agent/demandes/"+id)
			res.contains(t, translate("fr", tt.message), translate("fr", "form.errors"))
			if got, _ := s.store.Request(t.Context(), req.ID); got.Status != rdv.RequestOpen {
				t.Fatalf("a refused closing left the request %s", got.Status)
			}
		})
	}
	en := b.do(http.MethodGet, "/agent/demandes/"+id+"?lang=en", nil).want(t, http.StatusOK)
	b.sentBack(b.post(en, target, url.Values{}), "/agent/demandes/"+id).contains(t, translate("en", "req.err.reason"))
	if en := b.do(http.MethodGet, "/agent/demandes/"+id+"?avis=not_open", nil).want(t, http.StatusOK); !strings.Contains(en.body, translate("en", "req.notice.not_open")) {
		t.Fatal("the request page's notice is not in the page's language")
	}
	b.do(http.MethodGet, "/agent/demandes/"+id+"?lang=fr", nil).want(t, http.StatusOK)

	res := b.post(page, target, url.Values{"reason": {"other"}, "note": {"A déménagé à Gatineau"}}).want(t, http.StatusSeeOther)
	if res.location(t) != "/agent/demandes/"+id+"?avis=closed" {
		t.Fatalf("closing led to %s", res.location(t))
	}
	got, _ := s.store.Request(t.Context(), req.ID)
	if got.Status != rdv.RequestClosed || got.CloseReason != rdv.CloseOther || got.HandledBy != accts[rdv.PhoneAgent].ID {
		t.Fatalf("closed request %+v", got)
	}
	closed := b.do(http.MethodGet, res.location(t), nil).want(t, http.StatusOK)
	closed.contains(t, translate("fr", "req.notice.closed"), "Fermée", translate("fr", "req.reason.other"), "A déménagé à Gatineau")
	again := b.post(page, target, url.Values{"reason": {"duplicate"}}).want(t, http.StatusSeeOther)
	if !strings.HasSuffix(again.location(t), "?avis=not_open") {
		t.Fatalf("closing a closed request led to %s", again.location(t))
	}
	if list := b.do(http.MethodGet, "/agent/demandes?etat=fermees", nil).want(t, http.StatusOK); !strings.Contains(list.body, "D-AAAA-CLOS-0001") {
		t.Fatal("the closed filter does not show the closed request")
	}
	b.do(http.MethodGet, "/agent/demandes/999999", nil).want(t, http.StatusNotFound)
	b.do(http.MethodGet, "/agent/demandes/abc", nil).want(t, http.StatusNotFound)
	staffBrowser(t, s, accts, rdv.Receptionist).do(http.MethodGet, "/agent/demandes/"+id, nil).want(t, http.StatusForbidden)
	b.post(page, "/agent/demandes/999999/fermer", url.Values{"reason": {"unreachable"}}).want(t, http.StatusNotFound)
}
