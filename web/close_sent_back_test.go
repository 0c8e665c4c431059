package web

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"rdv"
)

// TestCloseRequestSentBack: a closing with mistakes leads to the
// request's page, which shows the chosen reason and the message once;
// a reload shows no message.
func TestCloseRequestSentBack(t *testing.T) {
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	withRequests(t, s)
	req := addRequest(t, s, "D-AAAA-BACK-0001")
	pagePath := "/agent/demandes/" + strconv.FormatInt(req.ID, 10)
	b := staffBrowser(t, s, accts, rdv.PhoneAgent)
	page := b.do(http.MethodGet, pagePath, nil).want(t, http.StatusOK)
	back := b.sentBack(b.post(page, pagePath+"/fermer", url.Values{"reason": {"other"}, "note": {" "}}), pagePath)
	back.contains(t, translate("fr", "req.err.note_other"), translate("fr", "form.errors"), `value="other" checked`)
	b.do(http.MethodGet, pagePath, nil).want(t, http.StatusOK).lacks(t, translate("fr", "req.err.note_other"))
	if got, _ := s.store.Request(t.Context(), req.ID); got.Status != rdv.RequestOpen {
		t.Fatalf("a refused closing left the request %s", got.Status)
	}
}
