package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"rdv"
)

// The agents' work on appointment requests: the list (open ones by
// default), one request with the caller's details, booking for it through
// the phone console (the booking marks it booked in its own transaction,
// see ConfirmRequest.ForRequest) and closing it with a reason.

// agentRequestsShown bounds the list: a page an agent can read.
const agentRequestsShown = 500

// requestFilters are the list's choices by the value of ?etat=, in
// order; the first is the default.
var requestFilters = []struct {
	value  string
	status rdv.RequestStatus
}{
	{"a-traiter", ""}, // waiting: open or proposed, in the agents' order
	{"ouvertes", rdv.RequestOpen},
	{"reservees", rdv.RequestBooked},
	{"fermees", rdv.RequestClosed},
	{"toutes", ""},
}

// waitingRequests lists the requests still worked, open and proposed,
// in the order agents work them (rdv.SortForAgents): those that need a
// person first.
func (s *Server) waitingRequests(r *http.Request, now time.Time) ([]rdv.AppointmentRequest, error) {
	var list []rdv.AppointmentRequest
	for _, st := range []rdv.RequestStatus{rdv.RequestOpen, rdv.RequestProposed} {
		rs, err := s.d.Store.Requests(r.Context(), st, agentRequestsShown)
		if err != nil {
			return nil, err
		}
		list = append(list, rs...)
	}
	rdv.SortForAgents(list, now)
	if len(list) > agentRequestsShown {
		list = list[:agentRequestsShown]
	}
	return list, nil
}

// agentRequestsData is what the list shows.
type agentRequestsData struct {
	Filters  []option
	Requests []agentRequestRow
}

// agentRequestRow is one request of the list: the request, whether it
// needs a person now, and its criteria in words.
type agentRequestRow struct {
	rdv.AppointmentRequest
	NeedsPerson bool
	Criteria    []string
}

// agentRequests lists the appointment requests for the phone agents who
// call people back: by default those still worked, the ones that need a
// person first; else the ones of a status, oldest first.
func (s *Server) agentRequests(w http.ResponseWriter, r *http.Request) {
	chosen := requestFilters[0]
	for _, f := range requestFilters {
		if f.value == r.URL.Query().Get("etat") {
			chosen = f
		}
	}
	now := time.Now()
	var list []rdv.AppointmentRequest
	var err error
	if chosen.value == "a-traiter" {
		list, err = s.waitingRequests(r, now)
	} else {
		list, err = s.d.Store.Requests(r.Context(), chosen.status, agentRequestsShown)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.recordRead(w, r, rdv.AuditRequestsRead, rdv.RequestRecords(list...)) {
		return
	}
	lang := langOf(r.Context())
	var data agentRequestsData
	for _, req := range list {
		data.Requests = append(data.Requests, agentRequestRow{req, req.NeedsPerson(now), criteriaLines(req, lang)[1:]})
	}
	for _, f := range requestFilters {
		data.Filters = append(data.Filters, option{Value: f.value, Label: translate(lang, "req.filter."+f.value), Selected: f == chosen})
	}
	s.render(w, r, http.StatusOK, "agent_requests", &page{Title: "req.list.title", Data: data})
}

// agentRequestData is what one request's page shows.
type agentRequestData struct {
	Request rdv.AppointmentRequest
	BookURL string // the phone console with the request's search
	Reasons []option
	// Booked is the appointment booked for the request, when it is.
	Booked *slotView
	// NeedsPerson says the request is the agents' to call now; Criteria
	// are what it asks for, in words.
	NeedsPerson bool
	Criteria    []string
	// Proposal is the slot held for the request while its person
	// answers, when there is one; History is what happened to it.
	Proposal *proposalView
	History  []requestEvent
}

// agentRequest shows one request with the caller's details and, while it
// is open, what the agent can do with it.
func (s *Server) agentRequest(w http.ResponseWriter, r *http.Request) {
	req, ok := s.requestOf(w, r)
	if !ok {
		return
	}
	f, ok := s.closeDraft(w, r, req.ID)
	if !ok || req.Status != rdv.RequestOpen {
		f = newForm(nil)
	} // else a closing sent back with its messages (staff_sent_back.go)
	s.renderAgentRequest(w, r, http.StatusOK, req, f, noticeKeyRequest(r.URL.Query().Get("avis")))
}

func (s *Server) renderAgentRequest(w http.ResponseWriter, r *http.Request, status int, req rdv.AppointmentRequest, f *form, notice string) {
	if !s.recordRead(w, r, rdv.AuditRequestRead, rdv.RequestRecords(req)) {
		return
	}
	lang := langOf(r.Context())
	data := agentRequestData{Request: req, BookURL: agentBookURL(req), NeedsPerson: req.NeedsPerson(time.Now()),
		Criteria: criteriaLines(req, lang)[1:]}
	history, live, err := s.requestHistory(r, req, lang)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data.History, data.Proposal = history, live
	for _, reason := range rdv.CloseReasons {
		data.Reasons = append(data.Reasons, option{Value: string(reason), Label: translate(lang, "req.reason."+string(reason)),
			Selected: f.Values.Get("reason") == string(reason)})
	}
	if req.AppointmentID != 0 {
		if a, err := s.d.Store.Appointment(r.Context(), req.AppointmentID); err == nil {
			v := s.viewSlot(a.Slot)
			data.Booked = &v
		}
	}
	p := &page{Title: "req.page.title", Form: f, Data: data}
	if notice != "" {
		p.Notice = translate(lang, notice)
	}
	s.render(w, r, status, "agent_request", p)
}

// requestOf reads the request named by the path; on false the answer is
// written.
func (s *Server) requestOf(w http.ResponseWriter, r *http.Request) (rdv.AppointmentRequest, bool) {
	id, ok := pathID(r)
	if !ok {
		s.renderError(w, r, http.StatusNotFound)
		return rdv.AppointmentRequest{}, false
	}
	req, err := s.d.Store.Request(r.Context(), id)
	switch rdv.ErrorCode(err) {
	case "":
		return req, true
	case rdv.ENOTFOUND:
		s.renderError(w, r, http.StatusNotFound)
	default:
		s.fail(w, r, err)
	}
	return rdv.AppointmentRequest{}, false
}

// agentBookURL is the phone console searching with the request's
// service and place, carrying the request to the booking.
func agentBookURL(req rdv.AppointmentRequest) string {
	v := url.Values{"demande": {strconv.FormatInt(req.ID, 10)}, "service": {string(req.Service)}, "lieu": {req.Place}}
	km := strconv.Itoa(int(req.RadiusKm))
	for _, r := range radii {
		if strconv.Itoa(r) == km {
			v.Set("rayon", km)
		}
	}
	return "/agent?" + v.Encode()
}

// noticeKeyRequest maps the request page's one-time notices to strings.
func noticeKeyRequest(avis string) string {
	switch avis {
	case "closed", "booked", "not_open":
		return "req.notice." + avis
	}
	return ""
}

// closeRequest closes an open request with a reason: one from the list,
// and a note, required for "other".
func (s *Server) closeRequest(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	req, ok := s.requestOf(w, r)
	if !ok {
		return
	}
	f := newForm(url.Values{"reason": {r.PostForm.Get("reason")}, "note": {strings.TrimSpace(r.PostForm.Get("note"))}})
	a, _ := s.account(r)
	in := rdv.CloseRequestInput{ID: req.ID, Reason: rdv.CloseReason(f.Values.Get("reason")), Note: f.Values.Get("note"), By: a.ID, Now: time.Now()}
	err := in.Validate()
	if err == nil {
		_, err = s.d.Store.CloseRequest(r.Context(), in)
	}
	back := requestPagePath(req.ID)
	switch {
	case err == nil:
		dropPageCookie(w, r, closeDraftCookie, back)
		s.log.InfoContext(r.Context(), "request closed", "request", req.ID, "reason", string(in.Reason), "account", a.ID)
		http.Redirect(w, r, back+"?avis=closed", http.StatusSeeOther)
	case rdv.ErrorField(err) == "request":
		dropPageCookie(w, r, closeDraftCookie, back)
		http.Redirect(w, r, back+"?avis=not_open", http.StatusSeeOther)
	case rdv.ErrorCode(err) == rdv.EINVALID:
		switch rdv.ErrorField(err) {
		case "note":
			if len(in.Note) > rdv.MaxCloseNote {
				f.Fail("note", "req.err.note_long")
			} else {
				f.Fail("note", "req.err.note_other")
			}
		default:
			f.Fail("reason", "req.err.reason")
		}
		s.sendCloseBack(w, r, req, f)
	default:
		s.fail(w, r, err)
	}
}

// closeFields are the closing form's fields with their labels.
var closeFields = []labelled{{"reason", "req.close.reason"}, {"note", "req.close.note"}}

// requestFor returns the open request an agent books for, named by
// value (a form's or a link's "demande"); ok is false when value names
// none, or a request that is no longer open.
func (s *Server) requestFor(r *http.Request, value string) (rdv.AppointmentRequest, bool) {
	id, err := strconv.ParseInt(value, 10, 64)
	if err != nil || id <= 0 {
		return rdv.AppointmentRequest{}, false
	}
	req, err := s.d.Store.Request(r.Context(), id)
	return req, err == nil && req.Status == rdv.RequestOpen
}
