package web

import (
	"net/http"
	"time"

	"rdv"
	"rdv/auth"
)

// The clinic's integrations, its admins' alone: API tokens for its own
// software (portal_tokens.go), webhook endpoints that hear of its
// appointments, with their delivery log (portal_webhooks.go), and
// calendar feeds for its staff's calendars (portal_feeds.go). The clinic
// is the account's, never the URL's.
//
// A secret is shown once: the post that makes it hands it to the page
// its redirect leads to in a sealed cookie of that page, bound to the
// admin's account (page_cookie.go), which the page reads and drops at
// once; the page, like every staff page, is never stored (no-store). The
// store keeps a token's or a feed's hash only; a webhook's secret is kept
// readable, since signing each request needs it whole, but no page shows
// it again.

const (
	tokensPath = "/clinique/jetons" // #nosec G101 -- a page's path, not a credential
	hooksPath  = "/clinique/webhooks"
	feedsPath  = "/clinique/calendriers"

	// secretCookie carries a secret just made to the page that shows
	// it, and draftCookie a form sent back with its messages.
	secretCookie     = "rdv_secret"
	integDraftCookie = "rdv_integration"
	// secretTTL is how long a secret waits for its page: the redirect
	// follows at once.
	secretTTL = 2 * time.Minute
)

// Secrets' prefixes say what a secret is where it turns up: a token in a
// configuration file, a feed's address in a calendar.
const (
	apiTokenPrefix = "rdvk_"
	feedPrefix     = "rdvc_"
)

// newSecret returns a new secret of a kind: its prefix and 256 random
// bits.
func newSecret(kind rdv.TokenKind) string {
	if kind == rdv.CalendarFeed {
		return feedPrefix + auth.NewToken()
	}
	return apiTokenPrefix + auth.NewToken()
}

// shownSecret is a secret on its way to the one page that shows it.
type shownSecret struct {
	Name   string `json:"n"` // what it belongs to: the token's name, the endpoint's address
	Secret string `json:"s"`
}

// handSecret sends the admin to path, which shows sec once, with notice.
// When the cookie cannot be set (never, for secrets this short) the
// secret is shown in the post's answer instead.
func (s *Server) handSecret(w http.ResponseWriter, r *http.Request, path, notice string, sec shownSecret, show func(*shownSecret)) {
	if s.setPageCookie(w, r, secretCookie, path, s.staffBound(r, path), sec, secretTTL) {
		http.Redirect(w, r, path+"?avis="+notice, http.StatusSeeOther)
		return
	}
	show(&sec)
}

// takeSecret returns the secret handed to the page at path, and forgets
// it: a reload, or Back, shows it no more.
func (s *Server) takeSecret(w http.ResponseWriter, r *http.Request, path string) *shownSecret {
	var sec shownSecret
	if !s.pageCookie(r, secretCookie, s.staffBound(r, path), &sec) || sec.Secret == "" {
		return nil
	}
	dropPageCookie(w, r, secretCookie, path)
	return &sec
}

// integDraft opens a form of the page at path sent back with messages,
// shown once; nil when there is none.
func (s *Server) integDraft(w http.ResponseWriter, r *http.Request, path string, fields []labelled) *form {
	d, ok := s.sentBackDraft(w, r, integDraftCookie, path, s.staffBound(r, path))
	if !ok {
		return nil
	}
	f := newForm(d.Values)
	for k, v := range d.Errors {
		f.Fail(k, v)
	}
	f.summarize(fields)
	return f
}

// sendIntegBack sends a form with messages back to its page at path,
// or answers it in place (422) with render when the draft is too big to
// keep.
func (s *Server) sendIntegBack(w http.ResponseWriter, r *http.Request, path string, f *form, fields []labelled, render func(*form)) {
	f.summarize(fields)
	if s.setPageCookie(w, r, integDraftCookie, path, s.staffBound(r, path), draft{Values: f.Values, Errors: f.Errors}, heldCookieTTL) {
		http.Redirect(w, r, path, http.StatusSeeOther)
		return
	}
	render(f)
}

// tokenRow is an API token or a feed as the pages list it.
type tokenRow struct {
	ID      int64
	Name    string
	Prefix  string
	Scopes  []string // an API token's, in words
	Of      string   // a feed's practitioner, or the whole clinic
	Created string
	Used    string
	Revoked string // "" while live
}

// tokenRowOf writes a token in lang.
func (s *Server) tokenRowOf(t rdv.ClinicToken, lang string) tokenRow {
	row := tokenRow{ID: t.ID, Name: t.Name, Prefix: t.Prefix + "…", Created: formatDate(t.CreatedAt), Used: translate(lang, "integ.never")}
	for _, sc := range t.Scopes {
		row.Scopes = append(row.Scopes, translate(lang, "tokens.scope."+string(sc)))
	}
	if t.Kind == rdv.CalendarFeed {
		row.Of = translate(lang, "feeds.all")
		if p, ok := s.d.Index.Practitioner(t.PractitionerID); ok && t.PractitionerID != 0 {
			row.Of = p.Name
		}
	}
	if !t.LastUsedAt.IsZero() {
		row.Used = FormatDateTime(t.LastUsedAt, lang)
	}
	if !t.Live() {
		row.Revoked = translate(lang, "integ.revoked", formatDate(t.RevokedAt))
	}
	return row
}

// revokeToken revokes a token or a feed of the account's clinic, named
// by the path's {id}, and goes back to path with notice; another
// clinic's, or an unknown one, is not found.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, kind rdv.TokenKind, path, notice string) {
	a, id, ok := s.staffTarget(w, r)
	if !ok {
		return
	}
	// The store revokes by clinic and ID: check the kind first, so that
	// a feed's page revokes no API token.
	list, err := s.d.Store.ClinicTokens(r.Context(), a.ClinicID, kind)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	found := false
	for _, t := range list {
		found = found || t.ID == id
	}
	if !found {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	if err := s.d.Store.RevokeClinicToken(r.Context(), a.ClinicID, id, s.d.Engine.Now()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "clinic token revoked", "clinic", a.ClinicID, "kind", kind, "token", id, "account", a.ID)
	http.Redirect(w, r, path+"?avis="+notice, http.StatusSeeOther)
}

// integNotice maps a page's one-time notices to their strings.
func integNotice(r *http.Request, page string, known ...string) string {
	avis := r.URL.Query().Get("avis")
	for _, k := range known {
		if avis == k {
			return page + ".notice." + k
		}
	}
	return ""
}
