package api

import (
	"net/http"
	"time"

	"rdv"
	"rdv/route"
)

// withActor puts the caller of a route of policy p in the request's
// context before h, once the policy's check has found them: the token or
// the staff account it admitted, else whoever holds the link, else a
// visitor. The stores record it with each change.
func (s *server) withActor(p route.Policy, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := rdv.Actor{Kind: rdv.ActorVisitor, Address: s.clientAddr(r)}
		if t, ok := TokenOf(r.Context()); ok {
			a.Kind, a.ID = rdv.ActorClinicToken, t.ID
		} else if acct, ok := r.Context().Value(staffKey{}).(rdv.Account); ok {
			a.Kind, a.ID = rdv.ActorStaff, acct.ID
		} else if p.Access == route.Link {
			a.Kind = rdv.ActorLink
		}
		h(w, r.WithContext(rdv.WithActor(r.Context(), a)))
	}
}

// recordRead records that the caller read records; on false the error is
// written and the data must not be sent.
func (s *server) recordRead(w http.ResponseWriter, r *http.Request, action rdv.AuditAction, records rdv.AuditRecords) bool {
	if err := s.Store.RecordAudit(r.Context(), rdv.NewAuditEvent(r.Context(), action, records, time.Now())); err != nil {
		s.fail(w, r, err)
		return false
	}
	return true
}
