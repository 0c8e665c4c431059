package web

import (
	"net/http"
	"strconv"

	"rdv"
	"rdv/i18n"
)

// The operators' « Frais et grand livre »: every movement of the finder
// fees, newest first and page by page, and the totals that show the
// ledger balances: what was authorised is still open, captured or
// voided; what was captured less what was refunded is the net taken, and
// both agree with the fees' own statuses (rdv.LedgerSummary.Balanced).

const feesPath = "/operateur/frais"

// feesShown is how many movements a page of the ledger shows.
const feesShown = 100

// operatorFeesData is what the ledger's page shows, its amounts already
// written in the page's language.
type operatorFeesData struct {
	Balanced bool
	// The totals, and the equations that show the balance.
	Authorized, Held, Captured, Voided, Refunded, Net string
	NetFee, NetGST, NetQST                            string
	GSTRate, QSTRate                                  string
	Charges                                           []feeCount
	Rows                                              []ledgerRow
	Shown                                             int
	Older                                             string // the next page's link, "" on the last
	Newest                                            bool   // the page starts at the newest movement
}

// feeCount is how many fees stand in one status, and their total.
type feeCount struct {
	Status string // translated
	Count  int64
	Total  string
}

// ledgerRow is one movement as the page shows it.
type ledgerRow struct {
	ID              int64
	At              string
	Reference       string
	Move            string // translated
	Held, Paid      string
	ProviderRef     string // "" while the provider has not acknowledged it
	ProviderPending bool
}

// operatorFees shows the ledger: its totals and a page of movements,
// those before ?avant= (an entry's ID) when given.
func (s *Server) operatorFees(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r.Context())
	var before int64
	if v := r.URL.Query().Get("avant"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.renderError(w, r, http.StatusBadRequest)
			return
		}
		before = id
	}
	sum, err := s.d.Store.LedgerSummary(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	entries, err := s.d.Store.Ledger(r.Context(), rdv.LedgerQuery{Before: before, Limit: feesShown})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	money := func(cents int64) string { return i18n.FormatMoney(cents, lang) }
	ok, why := sum.Balanced()
	if !ok {
		s.log.ErrorContext(r.Context(), "the fees' ledger does not balance", "why", why)
	}
	data := operatorFeesData{
		Balanced: ok, Authorized: money(sum.Authorized), Held: money(sum.Held), Captured: money(sum.Captured),
		Voided: money(sum.Voided), Refunded: money(sum.Refunded), Net: money(sum.Net),
		NetFee: money(sum.NetFee), NetGST: money(sum.NetGST), NetQST: money(sum.NetQST),
		GSTRate: i18n.FormatRate(rdv.GSTRate, lang), QSTRate: i18n.FormatRate(rdv.QSTRate, lang),
		Shown: feesShown, Newest: before == 0,
	}
	for _, st := range []rdv.ChargeStatus{rdv.ChargeAuthorized, rdv.ChargeCaptured, rdv.ChargeVoided, rdv.ChargeRefunded} {
		data.Charges = append(data.Charges, feeCount{Status: translate(lang, "ledger.status."+string(st)),
			Count: sum.Charges[st], Total: money(sum.ChargeTotals[st])})
	}
	for _, e := range entries {
		data.Rows = append(data.Rows, ledgerRow{ID: e.ID, At: FormatDateTime(e.At, lang), Reference: e.Reference,
			Move: translate(lang, "ledger.move."+string(e.Move)), Held: money(e.HeldCents), Paid: money(e.PaidCents),
			ProviderRef: e.ProviderRef, ProviderPending: e.SettledAt.IsZero()})
	}
	if len(entries) == feesShown {
		data.Older = feesPath + "?avant=" + strconv.FormatInt(entries[len(entries)-1].ID, 10)
	}
	s.render(w, r, http.StatusOK, "operator_fees", &page{Title: "ledger.title", Data: data})
}
