// Package web serves the pages people book with: search, results, the
// booking form, the appointment page and its cancellation, in French first
// and English second. Pages are rendered on the server from templates
// parsed once at start and work with plain forms, without JavaScript. The
// JSON API (package web/api) is mounted under /api/.
package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/availability"
	"rdv/booking"
	"rdv/places"
)

// Deps are what the pages work with.
type Deps struct {
	Engine *booking.Engine
	Index  *availability.Index
	// Store is the whole store. Staff sign in with its accounts; it keeps
	// the status banner, the operators' switches, onboarded clinics, the
	// clinics' desks and the appointment requests agents work on.
	Store rdv.Store
	// API serves /api/, /healthz and /readyz.
	API http.Handler
	// Ready reports whether the platform can serve. The API answers the
	// probes; Ready answers them only when no API is given.
	Ready func(ctx context.Context) error
	Log   *slog.Logger
	// Secret is the server's secret, from which the keys of form tokens
	// and operator passes derive: at least 32 bytes, the same on every
	// instance behind one load balancer; nil: made at start, for this
	// instance alone.
	Secret []byte
	// PublicURL is the site's address as people reach it (see
	// ParsePublicURL), in front of the links shown whole; "": those
	// links are shown as paths.
	PublicURL string
	// WaitingRoomOpen reports whether the waiting room is open, for the
	// banner; nil: never.
	WaitingRoomOpen func(now time.Time) bool
	// Requests takes the appointment-request form (the spool); without
	// it the form answers 503.
	Requests rdv.RequestAcceptor
	// Load reports admission control's live state for the operators'
	// load page; nil: the page says it is not reported.
	Load func() LoadSnapshot
	// WaitingRoom reports the waiting room's state for the same page;
	// nil: no waiting room.
	WaitingRoom func() WaitingRoomSnapshot
	// TrustForwardedFor takes client addresses from X-Forwarded-For, as
	// admission control does: set it with admission's setting, never
	// alone.
	TrustForwardedFor bool
	// Browser returns the id of the browser a request's signed cookie
	// names (the waiting room's), which keys the cap on its live holds;
	// nil, or no valid id: holds are capped by address alone.
	Browser func(*http.Request) (string, bool)
}

// placeSuggestions is how many of the most populous places the place field
// suggests: enough to cover the big towns, few enough to keep pages light.
const placeSuggestions = 40

// Server serves the pages and mounts the API. It is an http.Handler, safe
// for concurrent use.
type Server struct {
	clinicDesk *booking.Desk
	d          Deps
	log        *slog.Logger
	handler    http.Handler
	pages      map[string]pageTemplate
	assets     map[string]asset
	cssURL     string
	// places is the datalist of the place field, escaped once at start:
	// the same forty names go out on every search page.
	places template.HTML
	// banners caches the status banner for a moment (see banner.go).
	banners settingCache[rdv.Banner]
	// modeCache caches the operators' switches (see modes.go).
	modeCache settingCache[rdv.Modes]
	// health caches whether the database is down (see health.go).
	health dbHealth
	// signins slows down repeated failed sign-ins (see signin.go).
	signins *signinGuard
	// publicURL is Deps.PublicURL, checked.
	publicURL string
	// csrfKey signs form tokens (see csrf.go), opKey operators' passes
	// (see operator_pass.go).
	csrfKey, opKey []byte
	// cookieKey seals the booking flow's cookies (see held_cookies.go).
	cookieKey []byte
}

// New parses the templates, fingerprints the static files and routes the
// pages and the API.
func New(d Deps) (*Server, error) {
	switch {
	case d.Engine == nil:
		return nil, errors.New("web: no booking engine")
	case d.Index == nil:
		return nil, errors.New("web: no availability index")
	case d.Store == nil:
		return nil, errors.New("web: no store")
	}
	s := &Server{d: d, log: d.Log, signins: newSigninGuard(), clinicDesk: booking.NewDesk(d.Engine, d.Store)}
	s.health.ttl = healthTTL
	if d.Secret == nil {
		d.Secret = NewSecret()
	}
	var err error
	if s.csrfKey, err = auth.FormKey(d.Secret); err != nil {
		return nil, err
	}
	if s.opKey, err = operatorPassKey(d.Secret); err != nil {
		return nil, err
	}
	if s.cookieKey, err = auth.DeriveKey(d.Secret, "rdv booking flow cookies"); err != nil {
		return nil, err
	}
	if d.PublicURL != "" {
		u, err := ParsePublicURL(d.PublicURL)
		if err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
		s.publicURL = u
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if s.assets, s.cssURL, err = loadAssets(); err != nil {
		return nil, err
	}
	var options strings.Builder
	for i, p := range places.All() {
		if i == placeSuggestions {
			break
		}
		options.WriteString(`<option value="` + template.HTMLEscapeString(p.Name) + `">`)
	}
	s.places = template.HTML(options.String())
	s.handler = compress(withLanguage(s.logRequests(s.recoverPanics(secureHeaders(s.withSession(s.checkCSRF(s.refuseWritesWhenReadOnly(s.routes()))))))))
	return s, nil
}

// ServeHTTP serves a page, a static file or the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// routes maps the pages' URLs. The French paths are part of the
// interface: links people keep (the appointment page) must keep working.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /recherche", s.search)
	mux.HandleFunc("POST /reserver", s.hold)
	mux.HandleFunc("GET /reservation/{hold}", s.bookingForm)
	mux.HandleFunc("POST /reservation/{hold}", s.confirm)
	s.holdFlowRoutes(mux)
	mux.HandleFunc("GET /rendez-vous/{id}", s.appointment)
	mux.HandleFunc("POST /rendez-vous/{id}/annuler", s.cancel)
	s.patientRoutes(mux)
	mux.HandleFunc("GET /static/{file}", s.static)
	mux.HandleFunc("GET /connexion", s.signinForm)
	mux.HandleFunc("POST /connexion", s.signin)
	mux.HandleFunc("POST /deconnexion", s.signout)
	s.deskRoutes(mux)
	mux.HandleFunc("GET /operateur", s.requireRole(s.operatorHome, rdv.Operator))
	mux.HandleFunc("POST /operateur/bandeau", s.requireRole(s.setBanner, rdv.Operator))
	mux.HandleFunc("POST /operateur/bandeau/retirer", s.requireRole(s.clearBanner, rdv.Operator))
	mux.HandleFunc("POST /operateur/cliniques", s.requireRole(s.createClinic, rdv.Operator))
	mux.HandleFunc("GET /operateur/modes", s.requireRole(s.modesPage, rdv.Operator))
	mux.HandleFunc("POST /operateur/modes", s.requireRole(s.setModes, rdv.Operator))
	mux.HandleFunc("GET /operateur/charge", s.requireRole(s.operatorLoad, rdv.Operator))
	mux.HandleFunc("GET /demande", s.requestForm)
	mux.HandleFunc("POST /demande", s.submitRequest)
	mux.HandleFunc("GET /demande/envoyee", s.requestSentPage)
	s.agentRequestRoutes(mux)
	if s.d.API != nil {
		mux.Handle("/api/", s.d.API)
		mux.Handle("GET /healthz", s.d.API)
		mux.Handle("GET /readyz", s.d.API)
	} else {
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
		mux.HandleFunc("GET /readyz", s.readyz)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, http.StatusNotFound)
	})
	return mux
}

// readyz answers the readiness probe when no API is mounted.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.d.Ready != nil {
		if err := s.d.Ready(r.Context()); err != nil {
			s.log.Warn("not ready", "err", err)
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
	}
	w.Write([]byte("ready\n"))
}
