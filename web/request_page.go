package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/fees"
	"rdv/i18n"
)

// A request's own page, /demande/{reference}?token=…: where it stands in
// words, the slot proposed to it with the buttons to accept or decline
// it, and withdrawing it. It opens with the request's token, as an
// appointment's page opens with its link's: the token is in the query of
// a GET and in the form of a post, the log keeps the route's pattern
// only, and no page sends a referrer. Every answer goes through the
// matcher (match.Engine), which keeps its queue and the index in step
// with the store, and is answered by a redirect to the page
// (post/redirect/get); accepting leads to the appointment's own page.

// requestPagePathFor is the page of a request, opened by its token, with
// a notice to show ("" for none).
func requestPagePathFor(reference, token string, notice ...string) string {
	v := url.Values{"token": {token}}
	if len(notice) > 0 && notice[0] != "" {
		v.Set("avis", notice[0])
	}
	return requestPath + "/" + url.PathEscape(reference) + "?" + v.Encode()
}

// requestPageNotices are the notices the page shows after an answer.
var requestPageNotices = map[string]string{
	"declined":  "req.notice.declined",
	"withdrawn": "req.notice.withdrawn",
	"expired":   "req.notice.expired",
	"not_live":  "req.notice.not_live",
	"not_open":  "req.notice.not_waiting",
}

// requestPageData is what the page shows.
type requestPageData struct {
	Request rdv.AppointmentRequest
	Token   string
	Status  string // the status's words
	// Criteria are what the request asks for, one line each.
	Criteria []string
	// Proposal is the live proposal, when there is one.
	Proposal *proposalView
	// Booked is the appointment booked for the request, when it is; Mine
	// leads to it when the request is a signed-in patient's.
	Booked *slotView
	Mine   string
	// Fee is the finder fee's lines, for a request to the whole network.
	Fee *feeLines
	// Receipt is the receipt of the fee taken, or given back, when it is.
	Receipt *fees.Receipt
	// CanWithdraw offers to withdraw a waiting request to the holder of
	// its own token: a proposal's token, which a message carries, answers
	// that proposal only.
	CanWithdraw bool
}

// proposalView is a proposal as the page shows it.
type proposalView struct {
	ID    string
	Slot  slotView
	Until string // the time to answer by
}

// requestPage shows a request to the holder of its token.
func (s *Server) requestPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	req, ok := s.requestByToken(w, r, token)
	if !ok || !s.recordRead(w, r, rdv.AuditRequestRead, rdv.RequestRecords(req)) {
		return
	}
	lang := langOf(r.Context())
	data := requestPageData{Request: req, Token: token, Status: translate(lang, "req.public."+req.Status.Public()),
		Criteria: criteriaLines(req, lang), CanWithdraw: req.Status.Waiting() && auth.HashToken(token) == req.TokenHash}
	if req.Status == rdv.RequestProposed {
		ps, err := s.d.Store.Proposals(r.Context(), req.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, p := range ps {
			if p.Status == rdv.ProposalLive {
				data.Proposal = &proposalView{ID: p.ID, Slot: s.viewSlot(p.Slot), Until: FormatDateTime(p.ExpiresAt, lang)}
			}
		}
	}
	if req.AppointmentID != 0 {
		if a, err := s.d.Store.Appointment(r.Context(), req.AppointmentID); err == nil {
			v := s.viewSlot(a.Slot)
			data.Booked = &v
			if req.AccountID != 0 {
				data.Mine = myAppointmentsPath
			}
		}
	}
	if req.Scope == rdv.ScopeNetwork {
		f := feeLinesOf(s.feeQuote(), lang)
		data.Fee = &f
		data.Receipt = s.feeReceipt(r, req.ID, lang)
	}
	p := &page{Title: "req.page.mine", Data: data}
	if key, ok := requestPageNotices[r.URL.Query().Get("avis")]; ok {
		p.NoticeKey = key
	}
	w.Header().Set("Cache-Control", "private, no-store")
	s.render(w, r, http.StatusOK, "request_page", p)
}

// requestByToken reads the request of the path if token opens it; on
// false the answer is written (a wrong token reads as an unknown
// request).
func (s *Server) requestByToken(w http.ResponseWriter, r *http.Request, token string) (rdv.AppointmentRequest, bool) {
	if token == "" {
		s.renderMessage(w, r, http.StatusNotFound, "req.page.notfound")
		return rdv.AppointmentRequest{}, false
	}
	req, err := s.d.Store.RequestByReference(r.Context(), r.PathValue("reference"), auth.HashToken(token))
	switch rdv.ErrorCode(err) {
	case "":
		return req, true
	case rdv.ENOTFOUND:
		s.renderMessage(w, r, http.StatusNotFound, "req.page.notfound")
	default:
		s.fail(w, r, err)
	}
	return rdv.AppointmentRequest{}, false
}

// answerRequest is the common part of the page's three posts: the form
// read, the matcher present, the token given. It returns the reference
// and the token.
func (s *Server) answerRequest(w http.ResponseWriter, r *http.Request) (string, string, bool) {
	if !s.parseForm(w, r) {
		return "", "", false
	}
	if s.d.Matcher == nil {
		s.renderError(w, r, http.StatusServiceUnavailable)
		return "", "", false
	}
	token := r.PostForm.Get("token")
	if _, ok := s.requestByToken(w, r, token); !ok {
		return "", "", false
	}
	return r.PathValue("reference"), token, true
}

// acceptProposal books the proposed slot and leads to the appointment's
// page, whose link (its token) the booking gives this once.
func (s *Server) acceptProposal(w http.ResponseWriter, r *http.Request) {
	ref, token, ok := s.answerRequest(w, r)
	if !ok {
		return
	}
	a, err := s.d.Matcher.Accept(r.Context(), ref, token, r.PostForm.Get("proposal"))
	if err != nil {
		s.answerFailed(w, r, ref, token, err)
		return
	}
	s.log.InfoContext(r.Context(), "proposal accepted", "reference", ref, "appointment", a.ID)
	if a.CancelToken == "" {
		// Accepted before (a second click): the booking's link was given
		// then; the request's page shows the appointment.
		http.Redirect(w, r, requestPagePathFor(ref, token), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, appointmentURL(a.ID, a.CancelToken, ""), http.StatusSeeOther)
}

// declineProposal gives the slot back; the request waits again.
func (s *Server) declineProposal(w http.ResponseWriter, r *http.Request) {
	ref, token, ok := s.answerRequest(w, r)
	if !ok {
		return
	}
	if _, err := s.d.Matcher.Decline(r.Context(), ref, token, r.PostForm.Get("proposal")); err != nil {
		s.answerFailed(w, r, ref, token, err)
		return
	}
	http.Redirect(w, r, requestPagePathFor(ref, token, "declined"), http.StatusSeeOther)
}

// withdrawRequest ends the request, freeing a proposed slot.
func (s *Server) withdrawRequest(w http.ResponseWriter, r *http.Request) {
	ref, token, ok := s.answerRequest(w, r)
	if !ok {
		return
	}
	if _, err := s.d.Matcher.Withdraw(r.Context(), ref, token); err != nil {
		s.answerFailed(w, r, ref, token, err)
		return
	}
	http.Redirect(w, r, requestPagePathFor(ref, token, "withdrawn"), http.StatusSeeOther)
}

// answerFailed leads back to the page with what happened: a proposal
// that ran out, one no longer live (answered elsewhere, replaced), a
// request no longer waiting.
func (s *Server) answerFailed(w http.ResponseWriter, r *http.Request, ref, token string, err error) {
	notice := ""
	switch code := rdv.ErrorCode(err); {
	case code == rdv.EGONE:
		notice = "expired"
	case rdv.ErrorField(err) == "request":
		notice = "not_open"
	case code == rdv.ECONFLICT || code == rdv.ESLOTTAKEN:
		notice = "not_live"
	case code == rdv.ENOTFOUND:
		s.renderMessage(w, r, http.StatusNotFound, "req.page.notfound")
		return
	default:
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, requestPagePathFor(ref, token, notice), http.StatusSeeOther)
}

// criteriaLines writes what a request asks for, one line each: the
// service and place, the dates, the days, the times of the day, the
// practitioner's language and the scope.
func criteriaLines(req rdv.AppointmentRequest, lang string) []string {
	if req.IsMove() {
		return moveLines(req, lang)
	}
	lines := []string{translate(lang, "req.criteria.what", req.Service.Name(lang), req.Place, FormatKm(req.RadiusOrDefault(), lang))}
	if req.To.IsZero() {
		return append(lines, translate(lang, "req.criteria.by_hand"))
	}
	last := req.To.Add(-time.Minute) // To is the end of the last day
	lines = append(lines, translate(lang, "req.criteria.dates", i18n.FormatDay(req.From, lang), i18n.FormatDay(last, lang)))
	if req.Weekdays != 0 {
		var days []string
		for _, d := range requestDays {
			if req.Weekdays&(1<<d.day) != 0 {
				days = append(days, i18n.Weekday(d.day, lang))
			}
		}
		lines = append(lines, translate(lang, "req.criteria.days", strings.Join(days, ", ")))
	}
	if req.Times != "" {
		lines = append(lines, translate(lang, "req.criteria.times", timesWords(req.Windows(), lang)))
	}
	if req.PractitionerLanguage != "" {
		lines = append(lines, translate(lang, "req.criteria.language", translate(lang, "lang."+req.PractitionerLanguage)))
	}
	return append(lines, translate(lang, "req.scope."+string(req.Scope)))
}

// timesWords writes windows of the day by their names where they have
// one (morning…), else as clock times.
func timesWords(ws []rdv.Window, lang string) string {
	var out []string
	for _, w := range ws {
		switch w {
		case rdv.Morning:
			out = append(out, translate(lang, "search.moment.matin"))
		case rdv.Afternoon:
			out = append(out, translate(lang, "search.moment.pm"))
		case rdv.Evening:
			out = append(out, translate(lang, "search.moment.soir"))
		default:
			out = append(out, rdv.FormatTimes([]rdv.Window{w}))
		}
	}
	return strings.Join(out, ", ")
}
