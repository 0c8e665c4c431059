package api

import (
	"encoding/json"
	"time"

	"rdv"
)

// requestView is an appointment request as the API shows it to whoever
// holds its token. Token is set only in the answer to its creation, and
// Appointment only in the answer to accepting a proposal (with the
// appointment's own token, shown that once). Parts that other writes add
// to a request (its fee) go here as optional fields, so that every
// answer about a request shows them alike.
type requestView struct {
	Reference     string               `json:"reference"`
	Token         string               `json:"token,omitempty"`
	Status        string               `json:"status"`
	ReceivedAt    time.Time            `json:"received_at"`
	Service       string               `json:"service"`
	From          string               `json:"from,omitempty"`
	To            string               `json:"to,omitempty"`
	Weekdays      string               `json:"weekdays,omitempty"`
	Times         string               `json:"times,omitempty"`
	Language      string               `json:"language,omitempty"`
	Scope         string               `json:"scope"`
	Child         bool                 `json:"child"`
	Urgent        bool                 `json:"urgent"`
	Proposal      *proposalView        `json:"proposal,omitempty"`
	AppointmentID int64                `json:"appointment_id,omitempty"`
	Appointment   *appointmentResponse `json:"appointment,omitempty"`
	Fee           *feeView             `json:"fee,omitempty"`
}

// proposalView is a request's live proposal: the slot held for it, as
// a search shows slots, and until when.
type proposalView struct {
	ID        string          `json:"id"`
	Slot      json.RawMessage `json:"slot"`
	ExpiresAt time.Time       `json:"expires_at"`
}

// viewRequest shows a request's own fields, its status in the contract's
// words; the caller adds its proposal.
func viewRequest(r rdv.AppointmentRequest) requestView {
	v := requestView{
		Reference:  r.Reference,
		Status:     r.Status.Public(),
		ReceivedAt: r.ReceivedAt.In(rdv.Toronto),
		Service:    string(r.Service),
		Weekdays:   rdv.FormatWeekdays(r.Weekdays),
		Times:      r.Times,
		Language:   r.PractitionerLanguage,
		Scope:      string(r.Scope),
		Child:      r.Child,
		Urgent:     r.Urgent,
	}
	if v.Scope == "" {
		v.Scope = string(rdv.ScopeNetwork)
	}
	if !r.To.IsZero() {
		// The range's instants are from's local midnight (or the time it
		// was filed) to the end of to's local day: shown as the dates.
		v.From = rdv.DateOf(r.From).String()
		v.To = rdv.DateOf(r.To.Add(-time.Millisecond)).String()
	}
	if r.Status == rdv.RequestBooked {
		v.AppointmentID = r.AppointmentID
	}
	return v
}

// withProposal adds the live proposal among a request's proposals, when
// the request is proposed.
func (s *server) withProposal(v *requestView, r rdv.AppointmentRequest, ps []rdv.Proposal) {
	if r.Status != rdv.RequestProposed {
		return
	}
	for _, p := range ps {
		if p.Status == rdv.ProposalLive {
			v.Proposal = &proposalView{
				ID:        p.ID,
				Slot:      s.appendSlot(nil, resultOf(p.Slot), false),
				ExpiresAt: p.ExpiresAt.In(rdv.Toronto).Truncate(time.Second),
			}
		}
	}
}
