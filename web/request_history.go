package web

import (
	"net/http"
	"time"

	"rdv"
)

// A request's history, as agents read it: when it came, each slot the
// matcher proposed and how that ended, and how the request ended (booked
// by whom, closed by which agent and why, withdrawn, expired). It is told
// from what the store keeps of the request and its proposals; a declined
// proposal's time is not kept, so it is told without one.

// requestEvent is one line of the history.
type requestEvent struct {
	At   time.Time // zero: not known
	What string
}

// requestHistory returns the request's history, oldest first, and its
// live proposal if any.
func (s *Server) requestHistory(r *http.Request, req rdv.AppointmentRequest, lang string) ([]requestEvent, *proposalView, error) {
	events := []requestEvent{{req.ReceivedAt, translate(lang, "req.history.received")}}
	ps, err := s.d.Store.Proposals(r.Context(), req.ID)
	if err != nil {
		return nil, nil, err
	}
	var live *proposalView
	for _, p := range ps {
		v := s.viewSlot(p.Slot)
		where := FormatDateTime(p.Slot.Start, lang) + ", " + v.ClinicName
		events = append(events, requestEvent{p.CreatedAt, translate(lang, "req.history.proposed", where)})
		switch p.Status {
		case rdv.ProposalLive:
			live = &proposalView{ID: p.ID, Slot: v, Until: FormatDateTime(p.ExpiresAt, lang)}
		case rdv.ProposalExpired:
			events = append(events, requestEvent{p.ExpiresAt, translate(lang, "req.history.expired_proposal", where)})
		case rdv.ProposalDeclined:
			events = append(events, requestEvent{time.Time{}, translate(lang, "req.history.declined", where)})
		}
	}
	switch req.Status {
	case rdv.RequestBooked:
		by := ""
		if a, err := s.d.Store.Appointment(r.Context(), req.AppointmentID); err == nil {
			by = translate(lang, "portal.by."+string(a.BookedBy))
		}
		events = append(events, requestEvent{req.HandledAt, translate(lang, "req.history.booked", req.AppointmentID, by)})
	case rdv.RequestClosed:
		who := translate(lang, "req.history.someone")
		if a, err := s.d.Store.Account(r.Context(), req.HandledBy); err == nil {
			who = a.Email
		}
		events = append(events, requestEvent{req.HandledAt, translate(lang, "req.history.closed", who, translate(lang, "req.reason."+string(req.CloseReason)))})
	case rdv.RequestWithdrawn:
		events = append(events, requestEvent{req.HandledAt, translate(lang, "req.history.withdrawn")})
	case rdv.RequestExpired:
		events = append(events, requestEvent{req.HandledAt, translate(lang, "req.history.expired")})
	}
	// In order as built: a request has one live proposal at a time, the
	// next made only once the one before ended, and its end comes last.
	return events, live, nil
}
