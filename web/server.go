// Package web serves the pages people book with: search, results, the
// booking form, the appointment page and its cancellation, in French first
// and English second. Pages are rendered on the server from templates
// parsed once at start and work with plain forms, without JavaScript. The
// JSON API (package web/api) is mounted beside them, under /api/, behind
// its own middleware (Server.API).
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

	"github.com/go-webauthn/webauthn/webauthn"

	"rdv"
	"rdv/auth"
	"rdv/availability"
	"rdv/booking"
	"rdv/match"
	"rdv/places"
	"rdv/route"
)

// Deps are what the pages work with.
type Deps struct {
	Engine *booking.Engine
	Index  *availability.Index
	// Store is the whole store. Staff sign in with its accounts; it keeps
	// the status banner, the operators' switches, onboarded clinics, the
	// clinics' desks and the appointment requests agents work on.
	Store rdv.Store
	// Ready reports whether the platform can serve: the forms-only
	// notice shows while it fails (the API answers the probes).
	Ready func(ctx context.Context) error
	Log   *slog.Logger
	// AccessLog takes the line each request leaves (nil: Log). rdv serve
	// gives one that writes in the background, off the request path.
	AccessLog *slog.Logger
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
	// Matcher answers the proposals made to requests (accept, decline,
	// withdraw) so that its queue and the index stay in step with the
	// store; without it a request's page shows it but answers 503.
	Matcher *match.Engine
	// Fee is the finder fee the request form shows for a request to the
	// whole network; zero: rdv.DefaultFeeConfig's.
	Fee rdv.FeeConfig
	// LocalPayments says that the fees' provider is the built-in one,
	// which moves no money: the form says which payment tokens it takes.
	LocalPayments bool
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
	// Now is the clock of staff sessions and their second factors
	// (tests move it); nil: the wall clock.
	Now func() time.Time
}

// now is the time of the sessions' clock (Deps.Now).
func (s *Server) now() time.Time {
	if s.d.Now != nil {
		return s.d.Now()
	}
	return time.Now()
}

// placeSuggestions is how many of the most populous places the place field
// suggests: enough to cover the big towns, few enough to keep pages light.
const placeSuggestions = 40

// Server serves the pages. It is an http.Handler, safe for concurrent
// use.
type Server struct {
	clinicDesk *booking.Desk
	d          Deps
	log        *slog.Logger
	access     *slog.Logger // each request's line (Deps.AccessLog)
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
	// (see operator_pass.go), codeKey the hashes of patients' sign-in
	// codes (see account_signin.go).
	csrfKey, opKey, codeKey []byte
	// cookieKey seals the booking flow's cookies (see held_cookies.go).
	cookieKey []byte
	// rp is the WebAuthn relying party of staff passkeys (passkeys.go);
	// nil when the public URL is unknown or an IP address.
	rp *webauthn.WebAuthn
}

// New parses the templates, fingerprints the static files and routes the
// pages.
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
	if s.codeKey, err = auth.CodeKey(d.Secret); err != nil {
		return nil, err
	}
	if d.PublicURL != "" {
		u, err := ParsePublicURL(d.PublicURL)
		if err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
		s.publicURL = u
	}
	if s.rp, err = newRelyingParty(s.publicURL); err != nil {
		return nil, fmt.Errorf("web: passkeys: %w", err)
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.access = d.AccessLog; s.access == nil {
		s.access = s.log
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
	s.places = template.HTML(options.String()) // #nosec G203 -- place names escaped just above
	s.handler = compress(withLanguage(s.logRequests(s.recoverPanics(secureHeaders(s.withSession(s.withPatient(s.checkCSRF(s.routes()))))))))
	return s, nil
}

// ServeHTTP serves a page or a static file.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// API returns the JSON API behind its own middleware, to mount beside
// the pages (under /api/, with the probes): compression, the language,
// the request log, panics caught, the security headers, and writes that
// read-only mode refuses by routes (the API's table) answered in JSON.
// No session, no form token of the pages: the API's staff routes check
// their session and the token in a header themselves.
func (s *Server) API(api http.Handler, routes *route.Table) http.Handler {
	return compress(withLanguage(s.logRequests(s.recoverPanics(secureHeaders(s.refuseAPIWritesWhenReadOnly(routes, api))))))
}
