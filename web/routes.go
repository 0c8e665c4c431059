package web

import (
	"net/http"

	"rdv"
	"rdv/admission"
	"rdv/route"
)

// pageRoute is one page's route: what the platform does to it (see
// package route) and its handler.
type pageRoute struct {
	route.Route
	handle func(s *Server, w http.ResponseWriter, r *http.Request)
}

// at is one entry of the pages' table.
func at(pattern string, class admission.Class, room route.Room, readOnly, formsOnly route.Mode, policy route.Policy,
	handle func(*Server, http.ResponseWriter, *http.Request)) pageRoute {
	return pageRoute{route.Route{Pattern: pattern, Class: class, Room: room, ReadOnly: readOnly, FormsOnly: formsOnly, Policy: policy}, handle}
}

// Short names for the table's columns.
const (
	critical  = admission.Critical // confirming, cancelling, giving a hold back
	holding   = admission.Hold     // a booking under way, and a clinic's staff at work on its schedule
	searching = admission.Search
	browsing  = admission.Browse
	exempt    = admission.Exempt
	operator  = admission.OperatorPage // exempt for a verified operator's pass only

	held    = route.Held
	through = route.Through

	allowed = route.Allowed
	refused = route.Refused
)

var (
	public     = route.Public
	link       = route.PatientLink
	clinicDesk = route.Roles(rdv.Receptionist, rdv.ClinicAdmin)
	clinicPlan = route.Roles(rdv.ClinicAdmin)
	agents     = route.Roles(rdv.PhoneAgent)
	operators  = route.Roles(rdv.Operator)
	patient    = route.SignedInPatient
	// Every staff role, on the pages of its own account's security; the
	// pages where a second factor is set up are open before it is
	// (route.Enrol).
	anyStaff  = route.Roles(rdv.Receptionist, rdv.ClinicAdmin, rdv.PhoneAgent, rdv.Operator)
	enrolling = route.Enrol(rdv.Receptionist, rdv.ClinicAdmin, rdv.PhoneAgent, rdv.Operator)
)

// pageRoutes is every page the site serves. The French paths are part
// of the interface: links people keep (the appointment page) must keep
// working.
//
// Columns: pattern, admission class, waiting room, read-only mode,
// forms-only mode (the database unreachable: what works from memory and
// the request form's spool), who may call it, handler. The staff pages
// and the steps that finish or undo a booking go past the waiting room
// (see waitroom.Config.Through); read-only mode takes signing in and
// out, the operators' console (to switch it off) and the request form,
// which goes to the spool, not to bookings.
var pageRoutes = []pageRoute{
	at("GET /{$}", browsing, held, allowed, allowed, public, (*Server).home),
	at("GET /static/{file}", exempt, through, allowed, allowed, public, (*Server).static),
	at("GET /recherche", searching, held, allowed, allowed, public, (*Server).search),
	at("GET /recherche/clinique/{clinic}", searching, held, allowed, allowed, public, (*Server).moreTimes),

	// The booking flow: a new hold waits in the room; the hold's own
	// steps need its id, which only a visitor let in could have.
	at("POST /reserver", holding, held, refused, refused, public, (*Server).hold),
	at("GET /reservation/{hold}", holding, through, allowed, refused, link, (*Server).bookingForm),
	at("POST /reservation/{hold}", critical, through, refused, refused, link, (*Server).confirm),
	at("POST /reservation/{hold}/autre-creneau", critical, through, refused, refused, link, (*Server).releaseHold),
	at("POST /reservation/{hold}/prochain", holding, through, refused, refused, link, (*Server).holdNext),

	// A booking's pages, opened by its link's token.
	at("GET /rendez-vous/{id}", holding, through, allowed, refused, link, (*Server).appointment),
	at("GET /rendez-vous/{id}/calendrier.ics", holding, through, allowed, refused, link, (*Server).calendar),
	at("GET /rendez-vous/{id}/annuler", holding, through, allowed, refused, link, (*Server).cancelForm),
	at("POST /rendez-vous/{id}/annuler", critical, through, refused, refused, link, (*Server).cancel),
	at("GET /rendez-vous/{id}/changer", holding, through, allowed, refused, link, (*Server).rescheduleTimes),
	at("POST /rendez-vous/{id}/changer", holding, through, refused, refused, link, (*Server).rescheduleHold),
	at("GET /rendez-vous/{id}/changer/{hold}", holding, through, allowed, refused, link, (*Server).rescheduleForm),
	at("POST /rendez-vous/{id}/changer/{hold}", critical, through, refused, refused, link, (*Server).rescheduleConfirm),
	at("POST /rendez-vous/{id}/changer/{hold}/autre-creneau", critical, through, refused, refused, link, (*Server).rescheduleOther),

	at("GET /connexion", browsing, through, allowed, refused, public, (*Server).signinForm),
	at("POST /connexion", browsing, through, allowed, refused, public, (*Server).signin),
	at("POST /deconnexion", browsing, through, allowed, refused, public, (*Server).signout),
	// The second step of a staff sign-in, and each account's security:
	// its second factors and its sessions (signin_second.go, security.go).
	// They work in read-only mode, as signing in does: an operator must
	// be able to reach the console that switches it off.
	at("GET /connexion/verification", browsing, through, allowed, refused, public, (*Server).secondStepForm),
	at("POST /connexion/verification", browsing, through, allowed, refused, public, (*Server).secondStep),
	at("POST /connexion/verification/cle/options", browsing, through, allowed, refused, public, (*Server).signInPasskeyOptions),
	at("POST /connexion/verification/cle", browsing, through, allowed, refused, public, (*Server).signInPasskey),
	at("GET /securite", browsing, through, allowed, refused, enrolling, (*Server).securityPage),
	at("POST /securite/totp", browsing, through, allowed, refused, enrolling, (*Server).startTOTP),
	at("GET /securite/totp", browsing, through, allowed, refused, enrolling, (*Server).totpForm),
	at("POST /securite/totp/confirmer", browsing, through, allowed, refused, enrolling, (*Server).confirmTOTP),
	at("POST /securite/totp/retirer", browsing, through, allowed, refused, anyStaff, (*Server).removeTOTP),
	at("POST /securite/codes", browsing, through, allowed, refused, anyStaff, (*Server).newRecoveryCodes),
	at("POST /securite/cles/options", browsing, through, allowed, refused, enrolling, (*Server).passkeyOptions),
	at("POST /securite/cles", browsing, through, allowed, refused, enrolling, (*Server).addPasskey),
	at("POST /securite/cles/{id}/retirer", browsing, through, allowed, refused, anyStaff, (*Server).removePasskey),
	at("GET /securite/sessions", browsing, through, allowed, refused, enrolling, (*Server).mySessions),
	at("POST /securite/sessions/{id}/revoquer", browsing, through, allowed, refused, enrolling, (*Server).revokeSession),

	// Patients sign in with a code sent to them (account_signin.go), past
	// the waiting room like staff: a signed-in patient's bookings still
	// wait in it at /reserver, and their cancellations must not.
	at("GET /compte/connexion", browsing, through, allowed, refused, public, (*Server).patientSigninForm),
	at("POST /compte/connexion", browsing, through, allowed, refused, public, (*Server).patientSignin),
	at("GET /compte/code", browsing, through, allowed, refused, public, (*Server).patientCodeForm),
	at("POST /compte/code", browsing, through, allowed, refused, public, (*Server).patientCode),
	at("POST /compte/deconnexion", browsing, through, allowed, refused, public, (*Server).patientSignout),
	at("GET /compte", browsing, through, allowed, refused, patient, (*Server).accountSettings),
	// « Qui a consulté mon dossier » (audit.go).
	at("GET /compte/acces", browsing, through, allowed, refused, patient, (*Server).accountAccess),
	at("POST /compte", browsing, through, allowed, refused, patient, (*Server).saveAccountSettings),
	// Closing the account (Law 25) cancels its bookings: critical, as a
	// cancellation is (account_close.go).
	at("GET /compte/fermer", browsing, through, allowed, refused, patient, (*Server).accountCloseForm),
	at("POST /compte/fermer", critical, through, refused, refused, patient, (*Server).closeAccount),

	// « Mes rendez-vous »: a signed-in patient's appointments, and their
	// pages opened by the account instead of the link's token, in the
	// classes of the link's (appointment_access.go).
	at("GET /mes-rendez-vous", browsing, through, allowed, refused, patient, (*Server).myAppointments),
	at("GET /mes-rendez-vous/{id}/calendrier.ics", holding, through, allowed, refused, patient, (*Server).calendar),
	at("GET /mes-rendez-vous/{id}/annuler", holding, through, allowed, refused, patient, (*Server).cancelForm),
	at("POST /mes-rendez-vous/{id}/annuler", critical, through, refused, refused, patient, (*Server).cancel),
	at("GET /mes-rendez-vous/{id}/changer", holding, through, allowed, refused, patient, (*Server).rescheduleTimes),
	at("POST /mes-rendez-vous/{id}/changer", holding, through, refused, refused, patient, (*Server).rescheduleHold),
	at("GET /mes-rendez-vous/{id}/changer/{hold}", holding, through, allowed, refused, patient, (*Server).rescheduleForm),
	at("POST /mes-rendez-vous/{id}/changer/{hold}", critical, through, refused, refused, patient, (*Server).rescheduleConfirm),
	at("POST /mes-rendez-vous/{id}/changer/{hold}/autre-creneau", critical, through, refused, refused, patient, (*Server).rescheduleOther),
	// The waitlist of the appointment's clinic (waitlist.go).
	at("POST /mes-rendez-vous/{id}/plus-tot", holding, through, refused, refused, patient, (*Server).joinWaitlist),
	at("POST /mes-rendez-vous/{id}/plus-tot/retirer", holding, through, refused, refused, patient, (*Server).leaveWaitlist),

	// A signed-in patient's people, who fill in the booking form.
	at("GET /ma-famille", browsing, through, allowed, refused, patient, (*Server).family),
	at("POST /ma-famille", browsing, through, allowed, refused, patient, (*Server).addPerson),
	at("GET /ma-famille/{id}", browsing, through, allowed, refused, patient, (*Server).personPage),
	at("POST /ma-famille/{id}", browsing, through, allowed, refused, patient, (*Server).changePerson),
	at("POST /ma-famille/{id}/retirer", browsing, through, allowed, refused, patient, (*Server).removePerson),

	// The appointment-request form: the waiting page and both degraded
	// modes send people there.
	at("GET /demande", browsing, through, allowed, allowed, public, (*Server).requestForm),
	at("POST /demande", browsing, through, allowed, allowed, public, (*Server).submitRequest),
	at("GET /demande/envoyee", browsing, through, allowed, allowed, public, (*Server).requestSentPage),
	// A request's own page, opened by its token as an appointment's by
	// its link's; answering a proposal books or frees a slot, as
	// confirming or cancelling does.
	at("GET /demande/{reference}", holding, through, allowed, refused, link, (*Server).requestPage),
	at("POST /demande/{reference}/accepter", critical, through, refused, refused, link, (*Server).acceptProposal),
	at("POST /demande/{reference}/refuser", critical, through, refused, refused, link, (*Server).declineProposal),
	at("POST /demande/{reference}/retirer", critical, through, refused, refused, link, (*Server).withdrawRequest),

	// The clinic portal. The clinic always comes from the account, never
	// from the URL (see portal.go). Booking for a caller or a walk-in is
	// a booking like a patient's, in the same classes.
	at("GET /clinique", browsing, through, allowed, refused, clinicDesk, (*Server).portalDay),
	at("GET /clinique/semaine", browsing, through, allowed, refused, clinicDesk, (*Server).portalWeek),
	at("GET /clinique/journee.csv", browsing, through, allowed, refused, clinicDesk, (*Server).portalCSV),
	at("GET /clinique/creneau/{id}", browsing, through, allowed, refused, clinicDesk, (*Server).portalSlot),
	at("GET /clinique/rendez-vous/{id}", browsing, through, allowed, refused, clinicDesk, (*Server).portalAppointment),
	at("POST /clinique/creneaux/{id}/bloquer", holding, through, refused, refused, clinicDesk, (*Server).portalBlock),
	at("POST /clinique/creneaux/{id}/rouvrir", holding, through, refused, refused, clinicDesk, (*Server).portalReopen),
	at("POST /clinique/rendez-vous/{id}/statut", holding, through, refused, refused, clinicDesk, (*Server).portalStatus),
	at("POST /clinique/rendez-vous/{id}/annuler", critical, through, refused, refused, clinicDesk, (*Server).portalCancel),
	at("POST /clinique/creneaux", holding, through, refused, refused, clinicDesk, (*Server).portalAddSlot),
	at("POST /clinique/reserver", holding, through, refused, refused, clinicDesk, (*Server).staffHold),
	at("GET /clinique/reservation/{hold}", holding, through, allowed, refused, clinicDesk, (*Server).staffBookingForm),
	at("POST /clinique/reservation/{hold}", critical, through, refused, refused, clinicDesk, (*Server).staffConfirm),
	at("GET /clinique/confirmation/{id}", holding, through, allowed, refused, clinicDesk, (*Server).staffBooked),
	// A clinic's plan and its exceptions are its admins' alone, in the
	// class of the API's routes for the same work.
	at("GET /clinique/horaire", browsing, through, allowed, refused, clinicPlan, (*Server).portalPlanForm),
	at("POST /clinique/horaire", holding, through, refused, refused, clinicPlan, (*Server).portalSavePlan),
	at("GET /clinique/horaire/exceptions", holding, through, allowed, refused, clinicPlan, (*Server).portalExceptions),
	at("POST /clinique/horaire/exceptions/apercu", holding, through, refused, refused, clinicPlan, (*Server).portalPreviewException),
	at("POST /clinique/horaire/exceptions", holding, through, refused, refused, clinicPlan, (*Server).portalAddException),
	at("POST /clinique/horaire/exceptions/{id}/retirer", holding, through, refused, refused, clinicPlan, (*Server).portalRemoveException),
	// The clinic's registered patients, kept by its desk.
	at("GET /clinique/patients-inscrits", holding, through, allowed, refused, clinicDesk, (*Server).portalRoster),
	at("POST /clinique/patients-inscrits", holding, through, refused, refused, clinicDesk, (*Server).portalAddToRoster),
	at("POST /clinique/patients-inscrits/{patient}/retirer", holding, through, refused, refused, clinicDesk, (*Server).portalRemoveFromRoster),
	// The clinic's integrations, its admins' alone (portal_integrations.go):
	// API tokens, webhook endpoints and their log, calendar feeds.
	at("GET /clinique/jetons", browsing, through, allowed, refused, clinicPlan, (*Server).portalTokens),
	at("POST /clinique/jetons", holding, through, refused, refused, clinicPlan, (*Server).portalAddToken),
	at("POST /clinique/jetons/{id}/revoquer", holding, through, refused, refused, clinicPlan, (*Server).portalRevokeToken),
	at("GET /clinique/webhooks", browsing, through, allowed, refused, clinicPlan, (*Server).portalHooks),
	at("POST /clinique/webhooks", holding, through, refused, refused, clinicPlan, (*Server).portalAddHook),
	at("POST /clinique/webhooks/{id}/retirer", holding, through, refused, refused, clinicPlan, (*Server).portalRemoveHook),
	at("GET /clinique/calendriers", browsing, through, allowed, refused, clinicPlan, (*Server).portalFeeds),
	at("POST /clinique/calendriers", holding, through, refused, refused, clinicPlan, (*Server).portalAddFeed),
	at("POST /clinique/calendriers/{id}/revoquer", holding, through, refused, refused, clinicPlan, (*Server).portalRevokeFeed),
	// A calendar feed, opened by the secret its address carries: the
	// staff's calendars poll it from their servers, which cannot wait in
	// the room, and it reads the database, so it goes when the database
	// is away.
	at("GET /calendrier/{file}", browsing, through, allowed, refused, link, (*Server).calendarFeed),

	// The phone console, and the requests that need a human.
	at("GET /agent", searching, through, allowed, allowed, agents, (*Server).agentSearch),
	at("POST /agent/reserver", holding, through, refused, refused, agents, (*Server).staffHold),
	at("GET /agent/reservation/{hold}", holding, through, allowed, refused, agents, (*Server).staffBookingForm),
	at("POST /agent/reservation/{hold}", critical, through, refused, refused, agents, (*Server).staffConfirm),
	at("GET /agent/confirmation/{id}", holding, through, allowed, refused, agents, (*Server).staffBooked),
	at("GET /agent/demandes", browsing, through, allowed, refused, agents, (*Server).agentRequests),
	at("GET /agent/demandes/{id}", browsing, through, allowed, refused, agents, (*Server).agentRequest),
	at("POST /agent/demandes/{id}/fermer", holding, through, refused, refused, agents, (*Server).closeRequest),

	// The operators' console stays open in read-only mode: it is where
	// the mode is switched off.
	at("GET /operateur", operator, through, allowed, refused, operators, (*Server).operatorHome),
	at("POST /operateur/bandeau", operator, through, allowed, refused, operators, (*Server).setBanner),
	at("POST /operateur/bandeau/retirer", operator, through, allowed, refused, operators, (*Server).clearBanner),
	at("POST /operateur/cliniques", operator, through, allowed, refused, operators, (*Server).createClinic),
	at("GET /operateur/modes", operator, through, allowed, refused, operators, (*Server).modesPage),
	at("POST /operateur/modes", operator, through, allowed, refused, operators, (*Server).setModes),
	at("GET /operateur/charge", operator, through, allowed, refused, operators, (*Server).operatorLoad),
	// Staff accounts, and ending every session of one at once.
	at("GET /operateur/comptes", operator, through, allowed, refused, operators, (*Server).operatorAccounts),
	at("POST /operateur/comptes/{id}/revoquer", operator, through, allowed, refused, operators, (*Server).revokeAccountSessions),
	// The finder fees' movements, and the totals that show they balance.
	at("GET /operateur/frais", operator, through, allowed, refused, operators, (*Server).operatorFees),
	// The audit trail, searched (audit.go).
	at("GET /operateur/journal", operator, through, allowed, refused, operators, (*Server).operatorAudit),
	// The register of confidentiality incidents (Law 25), not the
	// outages below (operator_privacy.go).
	at("GET /operateur/incidents-confidentialite", operator, through, allowed, refused, operators, (*Server).operatorPrivacy),
	at("POST /operateur/incidents-confidentialite", operator, through, allowed, refused, operators, (*Server).savePrivacyIncident),
	at("GET /operateur/incidents-confidentialite/{id}", operator, through, allowed, refused, operators, (*Server).operatorPrivacyEntry),
	at("POST /operateur/incidents-confidentialite/{id}", operator, through, allowed, refused, operators, (*Server).savePrivacyIncident),
	// What was written to patients, and the outages they are told of.
	at("GET /operateur/courriels", operator, through, allowed, refused, operators, (*Server).operatorMessages),
	at("GET /operateur/courriels/{id}", operator, through, allowed, refused, operators, (*Server).operatorMessage),
	at("POST /operateur/courriels/{id}/renvoyer", operator, through, allowed, refused, operators, (*Server).resendMessage),
	at("GET /operateur/incidents", operator, through, allowed, refused, operators, (*Server).operatorIncidents),
	at("POST /operateur/incidents/apercu", operator, through, allowed, refused, operators, (*Server).previewIncident),
	at("POST /operateur/incidents", operator, through, allowed, refused, operators, (*Server).declareIncident),
}

// Routes returns the pages' route table, for admission control and the
// waiting room.
func Routes() []route.Route {
	rs := make([]route.Route, len(pageRoutes))
	for i, p := range pageRoutes {
		rs[i] = p.Route
	}
	return rs
}

// routes builds the pages' mux from the table: each handler behind its
// route's read-only rule, then its policy. Any other path is the 404
// page.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, p := range pageRoutes {
		h, rt := p.handle, p.Route
		mux.Handle(p.Pattern, s.enforce(rt, func(w http.ResponseWriter, r *http.Request) { h(s, w, r) }))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, http.StatusNotFound)
	})
	return mux
}

// enforce applies a route's read-only rule and its policy before h: a
// write refused in read-only mode gets the read-only page whoever sends
// it; someone not signed in is sent to sign in (303 to /connexion, or to
// /compte/connexion for a patient's page, with the page to come back to
// on a GET); a signed-in account the policy does not name gets the 403
// page in its language.
func (s *Server) enforce(rt route.Route, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The caller, for the audit events of what the handler reads
		// and changes (audit.go).
		r = r.WithContext(rdv.WithActor(r.Context(), s.actorOf(r, rt.Policy)))
		if rt.ReadOnly == route.Refused && s.modes(r.Context()).ReadOnly {
			s.refuseReadOnly(w, r)
			return
		}
		switch rt.Policy.Access {
		case route.Staff:
			s.requirePolicy(rt.Policy, h)(w, r)
			return
		case route.Patient:
			s.requirePatient(h)(w, r)
			return
		}
		h(w, r)
	})
}
