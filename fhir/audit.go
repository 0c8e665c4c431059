package fhir

import (
	"net/http"
	"time"

	"rdv"
	"rdv/admission"
)

// actorOf is who reads through the FHIR API: the clinic's token or staff
// member of party, or, with party nil, whoever holds the appointment's
// link.
func (s *Server) actorOf(r *http.Request, party *Party) rdv.Actor {
	a := rdv.Actor{Kind: rdv.ActorLink, Address: admission.ClientAddr(r, s.d.TrustForwardedFor)}
	switch {
	case party == nil:
	case party.Token != nil:
		a.Kind, a.ID = rdv.ActorClinicToken, party.Token.ID
	default:
		a.Kind, a.ID = rdv.ActorStaff, party.StaffID
	}
	return a
}

// recordRead records that the caller read records, before they are sent.
func (s *Server) recordRead(r *http.Request, party *Party, action rdv.AuditAction, records rdv.AuditRecords) error {
	ctx := rdv.WithActor(r.Context(), s.actorOf(r, party))
	return s.d.Store.RecordAudit(ctx, rdv.NewAuditEvent(ctx, action, records, time.Now()))
}
