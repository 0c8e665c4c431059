package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/i18n"
	"rdv/i18n/i18ntest"
	"rdv/storetest"
)

// withFees writes the life of n fees of 22.98 $ on requests D-FEES-0000…:
// by turns one left open, one captured, one voided, one captured then
// refunded. It returns the references by what became of them.
func withFees(t *testing.T, s *site, n int) map[rdv.ChargeStatus][]string {
	t.Helper()
	ctx, now := t.Context(), time.Date(2031, time.March, 4, 15, 30, 0, 0, time.UTC)
	refs := map[rdv.ChargeStatus][]string{}
	for i := range n {
		r, err := s.store.AddRequest(ctx, storetest.SampleRequest(fmt.Sprintf("D-FEES-%04d", i), now))
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.store.AuthorizeCharge(ctx, rdv.ChargeAuthorization{RequestID: r.ID, Quote: rdv.QuoteFee(1999),
			ProviderRef: fmt.Sprintf("local_auth%d", i), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		switch i % 4 {
		case 1:
			c, err = s.store.CaptureCharge(ctx, r.ID, now)
		case 2:
			c, err = s.store.VoidCharge(ctx, r.ID, now)
		case 3:
			if _, err = s.store.CaptureCharge(ctx, r.ID, now); err == nil {
				c, err = s.store.RefundCharge(ctx, r.ID, now)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		refs[c.Status] = append(refs[c.Status], r.Reference)
	}
	return refs
}

// TestOperatorFeesPage: operators read the ledger's totals, that it
// balances and why, and its movements newest first, in both languages.
func TestOperatorFeesPage(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	refs := withFees(t, s, 4)
	// The capture of the refunded fee, told to the provider.
	un, err := s.store.UnsettledMovements(t.Context(), 10)
	if err != nil || len(un) == 0 {
		t.Fatalf("unsettled movements: %+v, %v", un, err)
	}
	if err := s.store.SettleMovement(t.Context(), un[0].ID, "local_cap_told", time.Now()); err != nil {
		t.Fatal(err)
	}
	probes := i18ntest.English(nil)
	for _, lang := range []string{"fr", "en"} {
		b := staffBrowser(t, s, accts, rdv.Operator)
		b.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: lang}
		b.do(http.MethodGet, "/operateur", nil).want(t, http.StatusOK).contains(t, `href="`+feesPath+`"`, translate(lang, "ledger.link"))

		page := b.do(http.MethodGet, feesPath, nil).want(t, http.StatusOK)
		money := func(cents int64) string { return i18n.FormatMoney(cents, lang) }
		page.contains(t, translate(lang, "ledger.title"), translate(lang, "ledger.balanced"),
			`<td id="authorized">`+money(4*2298)+`</td>`, `<td id="held">`+money(2298)+`</td>`,
			`<td id="captured">`+money(2*2298)+`</td>`, `<td id="voided">`+money(2298)+`</td>`,
			`<td id="refunded">`+money(2298)+`</td>`, `<td id="net">`+money(2298)+`</td>`,
			`<td id="net-fee">`+money(1999)+`</td>`, `<td id="net-gst">`+money(100)+`</td>`, `<td id="net-qst">`+money(199)+`</td>`,
			translate(lang, "ledger.total.net_qst", i18n.FormatRate(rdv.QSTRate, lang)),
			asHTML(translate(lang, "ledger.equation.authorized", money(4*2298), money(2298), money(2*2298), money(2298))),
			asHTML(translate(lang, "ledger.equation.net", money(2298), money(2*2298), money(2298))),
			translate(lang, "ledger.move.authorize"), translate(lang, "ledger.move.capture"),
			translate(lang, "ledger.move.void"), translate(lang, "ledger.move.refund"),
			money(-2298), "local_auth0", "local_cap_told", translate(lang, "ledger.provider.pending"))
		if strings.Contains(page.body, translate(lang, "ledger.unbalanced")) {
			t.Errorf("%s: a balanced ledger said unbalanced", lang)
		}
		for _, refs := range refs {
			page.contains(t, refs...)
		}
		// Newest first: the refund was the last movement.
		if strings.Index(page.body, translate(lang, "ledger.move.refund")) > strings.Index(page.body, "local_auth0") {
			t.Errorf("%s: the ledger is not newest first", lang)
		}
		if strings.Contains(page.body, `rel="next"`) {
			t.Errorf("%s: a single page links to older movements", lang)
		}
		if lang == "fr" {
			probes.NoEnglish(t, "fees page", page.body)
		}
	}
	b := staffBrowser(t, s, accts, rdv.Operator)
	b.do(http.MethodGet, feesPath+"?avant=x", nil).want(t, http.StatusBadRequest)
	for _, role := range []rdv.Role{rdv.Receptionist, rdv.PhoneAgent, rdv.ClinicAdmin} {
		staffBrowser(t, s, accts, role).do(http.MethodGet, feesPath, nil).want(t, http.StatusForbidden)
	}
	signIn := "/connexion?" + url.Values{"retour": {feesPath}}.Encode()
	if loc := newBrowser(t, s).do(http.MethodGet, feesPath, nil).want(t, http.StatusSeeOther).location(t); loc != signIn {
		t.Errorf("not signed in: redirected to %s, want %s", loc, signIn)
	}
}

// TestOperatorFeesPages pages through a ledger longer than a page: every
// movement once, newest first, and the way back to the newest.
func TestOperatorFeesPages(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	withFees(t, s, 60) // 60 authorisations and 60 more movements
	b := staffBrowser(t, s, accts, rdv.Operator)
	seen := map[string]bool{}
	target, pages := feesPath, 0
	for target != "" {
		page := b.do(http.MethodGet, target, nil).want(t, http.StatusOK)
		pages++
		rows := strings.Count(page.body, `<tr id="entry-`)
		if rows > feesShown {
			t.Fatalf("%s: %d rows", target, rows)
		}
		for _, part := range strings.Split(page.body, `<tr id="entry-`)[1:] {
			id := part[:strings.IndexByte(part, '"')]
			if seen[id] {
				t.Fatalf("entry %s shown twice (%s)", id, target)
			}
			seen[id] = true
		}
		if pages > 1 && !strings.Contains(page.body, `href="`+feesPath+`"`) {
			t.Errorf("%s: no way back to the newest", target)
		}
		target = ""
		if i := strings.Index(page.body, `<a rel="next" href="`); i >= 0 {
			rest := page.body[i+len(`<a rel="next" href="`):]
			target = strings.ReplaceAll(rest[:strings.IndexByte(rest, '"')], "&amp;", "&")
		}
	}
	if pages != 2 || len(seen) != 120 {
		t.Fatalf("%d pages, %d movements; want 2 and 120", pages, len(seen))
	}
}

// asHTML is a text as html/template writes it in a page, its plus signs
// escaped too.
func asHTML(s string) string { return strings.ReplaceAll(htmlText(s), "+", "&#43;") }

// unbalancedLedger is a store whose ledger's totals disagree with its
// fees, as a ledger row lost or written twice would make them.
type unbalancedLedger struct{ rdv.Store }

func (u unbalancedLedger) LedgerSummary(ctx context.Context) (rdv.LedgerSummary, error) {
	sum, err := u.Store.LedgerSummary(ctx)
	sum.Captured += 2298
	sum.Net += 2298
	return sum, err
}

// TestOperatorFeesPageSaysUnbalanced: a ledger that does not balance is
// said to the operator, in their language, loudly.
func TestOperatorFeesPageSaysUnbalanced(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	withFees(t, s, 4)
	b := staffBrowser(t, s, accts, rdv.Operator)
	s.srv.d.Store = unbalancedLedger{s.store}
	for _, lang := range []string{"fr", "en"} {
		b.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: lang}
		page := b.do(http.MethodGet, feesPath, nil).want(t, http.StatusOK)
		page.contains(t, `role="alert">`+asHTML(translate(lang, "ledger.unbalanced")))
		if strings.Contains(page.body, translate(lang, "ledger.balanced")) {
			t.Errorf("%s: an unbalanced ledger said balanced", lang)
		}
	}
}
