package api

import (
	"errors"
	"fmt"
	"net/http"

	"rdv"
)

// requestAnswer is the body of the answers to a request's proposal and of
// its withdrawal: the request's token, or the proposal's (which answers
// that proposal only, and never withdraws). ProposalID, when given, names
// the proposal answered: an answer to one that has since been replaced is
// a conflict, never an answer to the new one.
type requestAnswer struct {
	Token      string `json:"token"`
	ProposalID string `json:"proposal_id"`
}

// The reasons an answer to a request is refused, said in the person's
// words rather than in a hold's (texts.go).
var (
	errProposalGone    = errors.New("the proposal ran out")
	errNoProposal      = errors.New("no proposal to answer")
	errRequestEnded    = errors.New("the request has ended")
	errNoMatcherServed = errors.New("requests are not matched by this server")
)

// readAnswer reads the body of an answer and checks that this server
// matches requests.
func (s *server) readAnswer(w http.ResponseWriter, r *http.Request) (requestAnswer, error) {
	var in requestAnswer
	if s.Matcher == nil {
		return in, fmt.Errorf("%w: %w", errNoMatcherServed, rdv.Errorf(rdv.EUNAVAILABLE, "no matcher"))
	}
	if _, err := readJSON(w, r, &in); err != nil {
		return in, err
	}
	if in.Token == "" {
		return in, rdv.FieldError("token", "token is required")
	}
	return in, nil
}

// answerError gives a refused answer its reason: the codes alone speak of
// holds (EGONE) or of a generic conflict.
func answerError(err error) error {
	switch {
	case rdv.ErrorCode(err) == rdv.EGONE:
		return fmt.Errorf("%w: %w", errProposalGone, err)
	case rdv.ErrorCode(err) == rdv.ECONFLICT && rdv.ErrorField(err) == "request":
		return fmt.Errorf("%w: %w", errRequestEnded, err)
	case rdv.ErrorCode(err) == rdv.ECONFLICT:
		return fmt.Errorf("%w: %w", errNoProposal, err)
	}
	return err
}

// acceptRequest answers POST /api/v1/requests/{reference}/accept: the
// live proposal's slot is booked for the request's patient, as any
// booking. The answer shows the appointment with its own token, this
// once; accepting again answers the same appointment, without it.
func (s *server) acceptRequest(w http.ResponseWriter, r *http.Request) {
	in, err := s.readAnswer(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ref := r.PathValue("reference")
	a, err := s.Matcher.Accept(r.Context(), ref, in.Token, in.ProposalID)
	if err != nil {
		s.fail(w, r, answerError(err))
		return
	}
	s.answerRequest(w, r, ref, in.Token, &a)
}

// declineRequest answers POST /api/v1/requests/{reference}/decline: the
// slot goes to the next request that fits it, and this one waits again
// (never offered that slot again). Declining again changes nothing.
func (s *server) declineRequest(w http.ResponseWriter, r *http.Request) {
	in, err := s.readAnswer(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ref := r.PathValue("reference")
	if _, err := s.Matcher.Decline(r.Context(), ref, in.Token, in.ProposalID); err != nil {
		s.fail(w, r, answerError(err))
		return
	}
	s.answerRequest(w, r, ref, in.Token, nil)
}

// withdrawRequest answers POST /api/v1/requests/{reference}/withdraw: the
// request ends at its person's word, its live proposal's slot freed.
// Only the request's own token withdraws it.
func (s *server) withdrawRequest(w http.ResponseWriter, r *http.Request) {
	in, err := s.readAnswer(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if in.ProposalID != "" {
		s.fail(w, r, rdv.FieldError("proposal_id", "a withdrawal names no proposal"))
		return
	}
	ref := r.PathValue("reference")
	if _, err := s.Matcher.Withdraw(r.Context(), ref, in.Token); err != nil {
		s.fail(w, r, answerError(err))
		return
	}
	s.answerRequest(w, r, ref, in.Token, nil)
}

// answerRequest writes the request as it stands after an answer, with the
// appointment booked by it when there is one to show.
func (s *server) answerRequest(w http.ResponseWriter, r *http.Request, ref, token string, booked *rdv.Appointment) {
	v, err := s.readRequest(r, ref, token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if booked != nil {
		a := s.viewAppointment(*booked, booked.CancelToken != "")
		v.Appointment = &a
	}
	s.writeJSON(w, r, http.StatusOK, v)
}
