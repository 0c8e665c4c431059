package fhir

import (
	"net/http"
	"time"

	"rdv"
	"rdv/admission"
)

// actorOf is who reads or changes through the FHIR API: the clinic's
// token or staff member of party, or the public when party is neither
// (booker's zero Party), or, with party nil, whoever holds the
// appointment's link.
func (s *Server) actorOf(r *http.Request, party *Party) rdv.Actor {
	a := rdv.Actor{Kind: rdv.ActorLink, Address: admission.ClientAddr(r, s.d.TrustForwardedFor)}
	switch {
	case party == nil:
	case party.Token != nil:
		a.Kind, a.ID = rdv.ActorClinicToken, party.Token.ID
	case party.StaffID != 0:
		a.Kind, a.ID = rdv.ActorStaff, party.StaffID
	default:
		a.Kind = rdv.ActorVisitor
	}
	return a
}

// acting returns r carrying who changes through it (actorOf), for the
// audit event the store writes with the change: a clinic's record system
// books, holds and cancels in its token's name, not the platform's.
func (s *Server) acting(r *http.Request, party *Party) *http.Request {
	return r.WithContext(rdv.WithActor(r.Context(), s.actorOf(r, party)))
}

// recordRead records that the caller read records, before they are sent.
func (s *Server) recordRead(r *http.Request, party *Party, action rdv.AuditAction, records rdv.AuditRecords) error {
	ctx := rdv.WithActor(r.Context(), s.actorOf(r, party))
	return s.d.Store.RecordAudit(ctx, rdv.NewAuditEvent(ctx, action, records, time.Now()))
}
