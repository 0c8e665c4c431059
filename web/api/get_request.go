package api

import (
	"net/http"
	"time"

	"rdv"
	"rdv/auth"
)

// getRequest answers GET /api/v1/requests/{reference}?token=...: the
// request, its status and its live proposal, to whoever holds its token
// (or the token of a proposal made to it, which the proposal's message
// carries), and 404 to anyone else. A request just accepted may take a
// few milliseconds to leave the spool for the store: until then it is
// not found either.
func (s *server) getRequest(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if token == "" {
		s.fail(w, r, rdv.FieldError("token", "token is required"))
		return
	}
	v, err := s.readRequest(r, r.PathValue("reference"), token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, v)
}

// readRequest reads a request for the holder of token, with its live
// proposal, and records the read: a read that cannot be recorded is not
// sent.
func (s *server) readRequest(r *http.Request, ref, token string) (requestView, error) {
	req, err := s.Store.RequestByReference(r.Context(), ref, auth.HashToken(token))
	if err != nil {
		return requestView{}, err
	}
	if err := s.Store.RecordAudit(r.Context(), rdv.NewAuditEvent(r.Context(), rdv.AuditRequestRead, rdv.RequestRecords(req), time.Now())); err != nil {
		return requestView{}, err
	}
	v := viewRequest(req)
	if v.Fee, err = s.requestFee(r, req.ID); err != nil {
		return requestView{}, err
	}
	if req.Status == rdv.RequestProposed {
		ps, err := s.Store.Proposals(r.Context(), req.ID)
		if err != nil {
			return requestView{}, err
		}
		s.withProposal(&v, req, ps)
	}
	return v, nil
}
