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
	"rdv/auth"
	"rdv/availability"
	"rdv/booking"
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
}

// server holds the dependencies every handler shares.
type server struct {
	Deps
	fragments fragments
	desk      *booking.Desk
	formKey   []byte // nil: no staff write passes
}

// route is one method and path that the API serves. The OpenAPI test walks
// the same table, so a route cannot be served without being documented.
type route struct {
	pattern string // Go 1.22 mux pattern: "METHOD /path/{param}"
	handle  func(s *server, w http.ResponseWriter, r *http.Request)
}

// routes lists every route the API serves.
var routes = []route{
	{"GET /healthz", (*server).healthz},
	{"GET /readyz", (*server).readyz},
	{"GET /api/v1/openapi.json", (*server).openAPI},
	{"GET /api/v1/clinics", (*server).listClinics},
	{"GET /api/v1/clinics/{id}", (*server).getClinic},
	{"GET /api/v1/slots", (*server).searchSlots},
	{"GET /api/v1/places", (*server).suggestPlaces},
	{"POST /api/v1/holds", (*server).createHold},
	{"POST /api/v1/appointments", (*server).createAppointment},
	{"GET /api/v1/appointments/{id}", (*server).getAppointment},
	{"POST /api/v1/appointments/{id}/cancel", (*server).cancelAppointment},
	{"POST /api/v1/appointments/{id}/reschedule", (*server).rescheduleAppointment},
	{"POST /api/v1/requests", (*server).createRequest},
	{"GET /api/v1/clinics/{clinic}/practitioners/{practitioner}/exceptions", (*server).listExceptions},
	{"POST /api/v1/clinics/{clinic}/practitioners/{practitioner}/exceptions/preview", (*server).previewException},
	{"POST /api/v1/clinics/{clinic}/practitioners/{practitioner}/exceptions", (*server).addException},
	{"DELETE /api/v1/clinics/{clinic}/practitioners/{practitioner}/exceptions/{id}", (*server).removeException},
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
		mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) { h(s, w, r) })
	}
	// Unknown API paths answer in the API's error format rather than the
	// mux's plain text.
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, rdv.Errorf(rdv.ENOTFOUND, "no route %s %s", r.Method, r.URL.Path))
	})
	return mux
}
