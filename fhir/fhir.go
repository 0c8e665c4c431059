// Package fhir serves the platform in HL7 FHIR R4 under /fhir, for the
// clinics' record systems and for the aggregators that show availability:
// the network as Location, Organization, Practitioner, PractitionerRole,
// HealthcareService and Schedule; free slots as Slot; bookings as
// Appointment, found, held, booked and cancelled in the style of the
// IHE scheduling profile (Appointment/$find, $hold, $book, which took over
// the Argonaut guide's operations); the server's CapabilityStatement at
// /fhir/metadata; and the SMART Scheduling Links files (/fhir/$bulk-publish,
// see publish.go).
//
// It is a protocol adapter like the JSON API (web/api), not a part of it:
// it imports neither web nor web/api and meets the platform through the
// same three things, the availability index, the booking engine and the
// store. It sits at the root beside the other adapters, as the layout
// plans (fhir/), and cmd/rdv mounts it under /fhir behind the site's
// common middleware (web.Server.Beside).
//
// Three rules hold everywhere:
//   - Reads of availability come from the index (its directory and its
//     slots), never from a scan of the store per request: the index is the
//     cache that keeps search cheap under load. Only a read of one slot or
//     one appointment by id goes to the store, by primary key.
//   - Every write goes through the booking engine, the one path the
//     pages and the JSON API take: a hold here is a hold there, and the
//     database decides every conflict.
//   - Every error is an OperationOutcome in the request's language
//     (outcome.go), with the HTTP status the JSON API gives the same
//     domain error.
package fhir

import (
	"context"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"rdv"
	"rdv/admission"
	"rdv/availability"
	"rdv/booking"
	"rdv/route"
)

// Deps are what the FHIR API works with.
type Deps struct {
	Engine *booking.Engine
	Index  *availability.Index
	Store  rdv.Store
	Log    *slog.Logger
	// PublicURL is the site's address as people reach it: every absolute
	// URL (fullUrl, paging links, the SMART files and their booking deep
	// links) starts with it. Required.
	PublicURL string
	// Authorize finds the party a request reads appointments for; nil:
	// StaffSessions(Store), the clinic staff's signed-in sessions.
	Authorize Authorizer
	// ReadOnly reports whether operators keep the platform read-only: the
	// writes its routes refuse then answer an OperationOutcome. nil: never.
	ReadOnly func(ctx context.Context) bool
	// TrustForwardedFor takes client addresses from X-Forwarded-For, as
	// admission control does, for the cap on live holds per address.
	TrustForwardedFor bool
	// PublishEvery is the shortest time between two rebuilds of the SMART
	// Scheduling Links files (default 30 s): a rebuild runs only when the
	// index changed, and never more often, whatever the bookings' rate.
	PublishEvery time.Duration
}

// Server serves /fhir. It is an http.Handler, safe for concurrent use.
type Server struct {
	d             Deps
	log           *slog.Logger
	base          string // PublicURL + "/fhir"
	serviceSystem string // rdv's service codes (codes.go)
	desk          *booking.Desk
	authorize     Authorizer
	pub           *publisher
	capabilities  capRest // see metadata.go
	mux           *http.ServeMux
}

// fhirRoute is one interaction the server answers, with what the platform
// does to it (see package route).
type fhirRoute struct {
	route.Route
	handle func(s *Server, w http.ResponseWriter, r *http.Request)
}

func at(pattern string, class admission.Class, room route.Room, readOnly, formsOnly route.Mode, policy route.Policy,
	handle func(*Server, http.ResponseWriter, *http.Request)) fhirRoute {
	return fhirRoute{route.Route{Pattern: pattern, Class: class, Room: room, ReadOnly: readOnly, FormsOnly: formsOnly, Policy: policy, Format: admission.FHIR}, handle}
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

// routes is every interaction of the FHIR API, in the classes of the JSON
// API's routes for the same work: reading the network is browsing,
// finding slots is searching, holding is a hold, booking and cancelling
// are critical and go past the waiting room (they need a hold or a
// token only someone let in could have). The network and free slots are
// answered from memory, so they work in both degraded modes; a read by
// id of a slot or an appointment needs the database. Appointments are
// read with their token or by their clinic's party (Authorizer): the
// handler opens nothing without one, as on a patient's link.
//
// The SMART Scheduling Links files are exempt, like static files: they
// are bytes built ahead (publish.go), and an aggregator's poll with
// If-None-Match costs a map read and a 304.
var routes = []fhirRoute{
	at("GET /fhir/metadata", browsing, held, allowed, allowed, route.Public, (*Server).metadata),
	at("GET /fhir/Location", browsing, held, allowed, allowed, route.Public, (*Server).searchLocations),
	at("GET /fhir/Location/{id}", browsing, held, allowed, allowed, route.Public, (*Server).readLocation),
	at("GET /fhir/Organization", browsing, held, allowed, allowed, route.Public, (*Server).searchOrganizations),
	at("GET /fhir/Organization/{id}", browsing, held, allowed, allowed, route.Public, (*Server).readOrganization),
	at("GET /fhir/Practitioner", browsing, held, allowed, allowed, route.Public, (*Server).searchPractitioners),
	at("GET /fhir/Practitioner/{id}", browsing, held, allowed, allowed, route.Public, (*Server).readPractitioner),
	at("GET /fhir/PractitionerRole", browsing, held, allowed, allowed, route.Public, (*Server).searchRoles),
	at("GET /fhir/PractitionerRole/{id}", browsing, held, allowed, allowed, route.Public, (*Server).readRole),
	at("GET /fhir/HealthcareService", browsing, held, allowed, allowed, route.Public, (*Server).searchServices),
	at("GET /fhir/HealthcareService/{id}", browsing, held, allowed, allowed, route.Public, (*Server).readService),
	at("GET /fhir/Schedule", browsing, held, allowed, allowed, route.Public, (*Server).searchSchedules),
	at("GET /fhir/Schedule/{id}", browsing, held, allowed, allowed, route.Public, (*Server).readSchedule),
	at("GET /fhir/Slot", searching, held, allowed, allowed, route.Public, (*Server).searchSlots),
	at("GET /fhir/Slot/{id}", browsing, held, allowed, refused, route.Public, (*Server).readSlot),
	at("GET /fhir/Appointment", holding, through, allowed, refused, route.PatientLink, (*Server).searchAppointments),
	at("GET /fhir/Appointment/{id}", holding, through, allowed, refused, route.PatientLink, (*Server).readAppointment),
	at("GET /fhir/Appointment/$find", searching, held, allowed, allowed, route.Public, (*Server).find),
	at("POST /fhir/Appointment/$find", searching, held, allowed, allowed, route.Public, (*Server).find),
	at("POST /fhir/Appointment/$hold", holding, held, refused, refused, route.Public, (*Server).hold),
	at("POST /fhir/Appointment/$book", critical, through, refused, refused, route.PatientLink, (*Server).book),
	at("GET /fhir/$bulk-publish", exempt, through, allowed, allowed, route.Public, (*Server).manifest),
	at("GET /fhir/$bulk-publish/{file}", exempt, through, allowed, allowed, route.Public, (*Server).publishedFile),
}

// Routes returns the FHIR API's route table, for admission control, the
// waiting room and the degraded modes. Refusals in front of it answer
// OperationOutcomes (Route.Format).
func Routes() []route.Route {
	rs := make([]route.Route, len(routes))
	for i, rt := range routes {
		rs[i] = rt.Route
	}
	return rs
}

// New returns the FHIR API. Run keeps its SMART files current.
func New(d Deps) (*Server, error) {
	switch {
	case d.Engine == nil:
		return nil, errors.New("fhir: no booking engine")
	case d.Index == nil:
		return nil, errors.New("fhir: no availability index")
	case d.Store == nil:
		return nil, errors.New("fhir: no store")
	case d.PublicURL == "" || strings.HasSuffix(d.PublicURL, "/"):
		return nil, errors.New("fhir: a public URL without a final slash is needed for absolute URLs")
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.PublishEvery <= 0 {
		d.PublishEvery = 30 * time.Second
	}
	s := &Server{d: d, log: d.Log, base: d.PublicURL + "/fhir", desk: booking.NewDesk(d.Engine, d.Store), authorize: d.Authorize}
	s.serviceSystem = s.base + "/CodeSystem/service"
	if s.authorize == nil {
		s.authorize = StaffSessions(d.Store)
	}
	s.pub = newPublisher(s)
	s.capabilities = capabilities(routes)
	s.mux = http.NewServeMux()
	for _, rt := range routes {
		h, rt := rt.handle, rt.Route
		s.mux.Handle(rt.Pattern, s.enforce(rt, func(w http.ResponseWriter, r *http.Request) { h(s, w, r) }))
	}
	s.mux.HandleFunc("/fhir/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, &fhirError{status: http.StatusNotFound, code: "not-supported", key: "fhir.route"})
	})
	return s, nil
}

// ServeHTTP answers a FHIR interaction.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Run rebuilds the SMART files when availability changes, at most every
// PublishEvery, until ctx is done.
func (s *Server) Run(ctx context.Context) error { return s.pub.run(ctx) }

// enforce answers a write that read-only mode refuses, and a POST that
// is not FHIR JSON, with an OperationOutcome before h. Asking POSTs for a
// JSON media type also keeps a foreign page from making a staff member's
// browser send one: a cross-site form cannot set it without the site's
// consent, which the API never gives (no CORS).
func (s *Server) enforce(rt route.Route, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.ReadOnly == route.Refused && s.d.ReadOnly != nil && s.d.ReadOnly(r.Context()) {
			w.Header().Set("Retry-After", "60")
			s.fail(w, r, &fhirError{status: http.StatusServiceUnavailable, code: "transient", key: "fhir.read_only"})
			return
		}
		if r.Method == http.MethodPost {
			mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if mt != "application/fhir+json" && mt != "application/json" {
				s.fail(w, r, &fhirError{status: http.StatusUnsupportedMediaType, code: "not-supported", key: "fhir.media"})
				return
			}
		}
		h(w, r)
	})
}
