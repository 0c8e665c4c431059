// Package api serves the JSON API of the platform (/api/v1/...), its health
// probes and its OpenAPI document. Handlers validate everything people send
// before the booking engine sees it, map domain error codes to HTTP statuses
// in one place (errors.go), and speak French unless the client prefers
// English.
package api

import (
	"context"
	"log/slog"
	"net/http"

	"rdv"
	"rdv/admission"
	"rdv/auth"
	"rdv/availability"
	"rdv/booking"
	"rdv/match"
	"rdv/route"
)

// Deps are what the API works with.
type Deps struct {
	Engine *booking.Engine
	Index  *availability.Index
	// Store is the whole store: the clinic routes' desk and the staff
	// sessions (see staff.go) are parts of it.
	Store rdv.Store
	// Ready reports whether the platform can serve (database reachable,
	// index loaded); nil means always ready.
	Ready func(ctx context.Context) error
	Log   *slog.Logger
	// Requests accepts appointment requests (POST /api/v1/requests); nil
	// answers 503.
	Requests rdv.RequestAcceptor
	// Matcher answers requests' proposals and withdrawals, keeping the
	// index and its queue in step with the store; nil answers 503.
	Matcher *match.Engine
	// TrustForwardedFor takes client addresses from X-Forwarded-For, as
	// admission control does: set it with admission's setting, never
	// alone.
	TrustForwardedFor bool
	// Browser returns the id of the browser a request's signed cookie
	// names, which the site's own scripts send; nil, or no valid id: holds
	// are capped by address alone.
	Browser func(*http.Request) (string, bool)
	// Secret is the server's secret, the pages' own (web.Deps.Secret):
	// staff writes carry the session's form token derived from it. nil
	// or too short: every staff write is refused (403).
	Secret []byte
	// WaitingRoomOpen reports whether the waiting room is open; /readyz
	// says so in its Waiting-Room header, so that a load balancer in
	// front can sort visitors without a pass before they reach an
	// instance (deploy/haproxy). Nil: always closed.
	WaitingRoomOpen func() bool
}

// server holds the dependencies every handler shares.
type server struct {
	Deps
	fragments fragments
	desk      *booking.Desk
	formKey   []byte // nil: no staff write passes
}

// apiRoute is one method and path that the API serves, with what the
// platform does to it (see package route). The OpenAPI test walks the
// same table, so a route cannot be served without being documented, and
// the route table's test walks its attributes.
type apiRoute struct {
	route.Route
	handle func(s *server, w http.ResponseWriter, r *http.Request)
}

// at is one entry of the table.
func at(pattern string, class admission.Class, room route.Room, readOnly, formsOnly route.Mode, policy route.Policy,
	handle func(*server, http.ResponseWriter, *http.Request)) apiRoute {
	return apiRoute{route.Route{Pattern: pattern, Class: class, Room: room, ReadOnly: readOnly, FormsOnly: formsOnly, Policy: policy}, handle}
}

// Short names for the table's columns.
const (
	critical  = admission.Critical
	holding   = admission.Hold
	searching = admission.Search
	browsing  = admission.Browse
	exempt    = admission.Exempt

	held    = route.Held
	through = route.Through

	allowed = route.Allowed
	refused = route.Refused
)

// clinicAdmins may work on a clinic's plan: its own admins only, and its
// API tokens with availability:write (token.go).
var clinicAdmins = route.Policy{Access: route.Staff, Roles: []rdv.Role{rdv.ClinicAdmin}, ClinicInPath: true, Scope: rdv.ScopeAvailabilityWrite}

// routes lists every route the API serves. Columns: pattern, admission
// class, waiting room, read-only mode, forms-only mode (the database
// unreachable), who may call it, handler. Confirming, reading, cancelling
// and moving a booking need its hold id or token, and go past the
// waiting room; so do the request form's requests (the waiting page
// offers it) and the staff routes, which need a staff session. Read-only
// mode refuses every write but the appointment requests, which go to
// the durable spool, not to bookings.
var routes = []apiRoute{
	at("GET /healthz", exempt, through, allowed, allowed, route.Public, (*server).healthz),
	at("GET /readyz", exempt, through, allowed, allowed, route.Public, (*server).readyz),
	at("GET /api/v1/openapi.json", browsing, held, allowed, allowed, route.Public, (*server).openAPI),
	at("GET /api/v1/clinics", browsing, held, allowed, allowed, route.Public, (*server).listClinics),
	at("GET /api/v1/clinics/{id}", browsing, held, allowed, allowed, route.Public, (*server).getClinic),
	at("GET /api/v1/slots", searching, held, allowed, allowed, route.Public, (*server).searchSlots),
	at("GET /api/v1/places", browsing, held, allowed, allowed, route.Public, (*server).suggestPlaces),
	at("POST /api/v1/holds", holding, held, refused, refused, route.Public, (*server).createHold),
	at("POST /api/v1/appointments", critical, through, refused, refused, route.PatientLink, (*server).createAppointment),
	at("GET /api/v1/appointments/{id}", holding, through, allowed, refused, route.PatientLink, (*server).getAppointment),
	at("POST /api/v1/appointments/{id}/cancel", critical, through, refused, refused, route.PatientLink, (*server).cancelAppointment),
	at("POST /api/v1/appointments/{id}/reschedule", critical, through, refused, refused, route.PatientLink, (*server).rescheduleAppointment),
	at("POST /api/v1/requests", browsing, through, allowed, allowed, route.Public, (*server).createRequest),
	// A request's own routes carry its token: reading it is a booking's
	// read, answering its proposal a booking's confirmation.
	at("GET /api/v1/requests/{reference}", holding, through, allowed, refused, route.PatientLink, (*server).getRequest),
	at("POST /api/v1/requests/{reference}/accept", critical, through, refused, refused, route.PatientLink, (*server).acceptRequest),
	at("POST /api/v1/requests/{reference}/decline", critical, through, refused, refused, route.PatientLink, (*server).declineRequest),
	at("POST /api/v1/requests/{reference}/withdraw", critical, through, refused, refused, route.PatientLink, (*server).withdrawRequest),
	// A clinic admin at work on the clinic's schedule: above searching
	// and browsing, so that overload does not shut staff out of their
	// own schedule before it turns searchers away, and below people
	// finishing a booking.
	at("GET /api/v1/clinics/{clinic}/practitioners/{practitioner}/exceptions", holding, through, allowed, refused, clinicAdmins, (*server).listExceptions),
	at("POST /api/v1/clinics/{clinic}/practitioners/{practitioner}/exceptions/preview", holding, through, refused, refused, clinicAdmins, (*server).previewException),
	at("POST /api/v1/clinics/{clinic}/practitioners/{practitioner}/exceptions", holding, through, refused, refused, clinicAdmins, (*server).addException),
	at("DELETE /api/v1/clinics/{clinic}/practitioners/{practitioner}/exceptions/{id}", holding, through, refused, refused, clinicAdmins, (*server).removeException),
	// A clinic's own systems, with one of its API tokens: reading the
	// agenda is the desk's day view, in its class.
	at("GET /api/v1/clinic/agenda", browsing, through, allowed, refused, route.TokenScope(rdv.ScopeAgendaRead), (*server).clinicAgenda),
	// Its endpoints and their delivery log, for a system that missed
	// events: a read of the portal's page, in its class.
	at("GET /api/v1/clinic/webhooks", browsing, through, allowed, refused, route.TokenScope(rdv.ScopeWebhooks), (*server).clinicWebhooks),
	// A signed-in patient's own data (Law 25), with the session of the
	// patients' pages: a read of their account, in its pages' class.
	at("GET /api/v1/me/export", browsing, through, allowed, refused, route.SignedInPatient, (*server).exportAccountData),
}

// Routes returns the API's route table, for admission control, the
// waiting room and the read-only mode.
func Routes() []route.Route {
	rs := make([]route.Route, len(routes))
	for i, rt := range routes {
		rs[i] = rt.Route
		rs[i].Format = admission.JSON
	}
	return rs
}

// New returns the handler of the API. It serves /healthz, /readyz and
// everything under /api/; any other path under /api/ answers a JSON 404.
func New(d Deps) http.Handler {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	s := &server{Deps: d, fragments: newFragments(d.Index)}
	s.desk = booking.NewDesk(d.Engine, d.Store)
	if len(d.Secret) > 0 {
		key, err := auth.FormKey(d.Secret)
		if err != nil {
			d.Log.Error("api: staff writes refused", "err", err)
		}
		s.formKey = key
	}
	mux := http.NewServeMux()
	for _, rt := range routes {
		h := rt.handle
		var serve http.HandlerFunc = func(w http.ResponseWriter, r *http.Request) { h(s, w, r) }
		serve = s.withActor(rt.Policy, serve)
		switch {
		case rt.Policy.Access == route.Staff && rt.Policy.Scope != "":
			serve = s.staffOrToken(rt.Policy, s.requireStaff(rt.Policy, serve), serve)
		case rt.Policy.Access == route.Staff:
			serve = s.requireStaff(rt.Policy, serve)
		case rt.Policy.Access == route.ClinicToken:
			serve = s.requireToken(rt.Policy, serve)
		case rt.Policy.Access == route.Patient:
			serve = s.requirePatient(serve)
		}
		mux.HandleFunc(rt.Pattern, serve)
	}
	// Unknown API paths answer in the API's error format rather than the
	// mux's plain text.
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, rdv.Errorf(rdv.ENOTFOUND, "no route %s %s", r.Method, r.URL.Path))
	})
	return mux
}
