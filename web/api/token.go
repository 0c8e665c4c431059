package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/i18n"
	"rdv/route"
)

// A clinic's own systems (its medical record, its scheduling software)
// call the API with one of the clinic's API tokens, made by its admins in
// the portal: `Authorization: Bearer <token>`. The store keeps only the
// token's hash; a token acts for its clinic only, within its scopes, and
// a revoked one is refused at its next request. A header, unlike a
// cookie, is never sent by a browser on its own, so token requests carry
// no form token. They are admitted and rate-limited like every client
// (per address; per token too when admission names the account from the
// header: AccountOf).

// Refusals of token routes, each with its own words (tokenMessages).
var (
	errNoToken = &rdv.Error{Code: rdv.EUNAUTHORIZED, Detail: "no live API token"}
	errScope   = &rdv.Error{Code: rdv.EFORBIDDEN, Detail: "the API token lacks the route's scope"}
)

func init() {
	i18n.Add(i18n.Catalog{
		"api.token.none":  {"Jeton d'API absent, inconnu ou révoqué.", "API token missing, unknown or revoked."},
		"api.token.scope": {"Ce jeton d'API n'a pas la portée que demande cette route.", "This API token lacks the scope this route needs."},
	})
	staffMessages[errNoToken] = "api.token.none"
	staffMessages[errScope] = "api.token.scope"
}

// bearer returns the token in r's Authorization header ("" for none).
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "Bearer ") {
		return ""
	}
	return strings.TrimSpace(h[7:])
}

// HasBearer reports whether r carries a bearer token: such a request is
// a clinic's system's, never a browser's, and goes the token's way.
func HasBearer(r *http.Request) bool { return bearer(r) != "" }

// TokenClient is the key admission control counts a token's requests
// under ("" without a bearer token): the secret's prefix, which names
// the token without a look-up. A client that makes tokens up is still
// limited by its address.
func TokenClient(r *http.Request) string {
	if b := bearer(r); b != "" {
		return "token:" + rdv.TokenPrefix(b)
	}
	return ""
}

// maxTokenLen bounds what is hashed: the platform's tokens are far
// shorter.
const maxTokenLen = 200

// ClinicToken returns the live API token r carries, recording its use:
// EUNAUTHORIZED without one, or with an unknown or revoked one. The FHIR
// API authorises with it too.
func ClinicToken(ctx context.Context, store rdv.ClinicTokenStore, r *http.Request, now time.Time) (rdv.ClinicToken, error) {
	b := bearer(r)
	if b == "" || len(b) > maxTokenLen {
		return rdv.ClinicToken{}, errNoToken
	}
	t, err := store.ClinicTokenByHash(ctx, rdv.APIToken, auth.HashToken(b), now)
	switch {
	case rdv.ErrorCode(err) == rdv.ENOTFOUND:
		return rdv.ClinicToken{}, errNoToken
	case err != nil:
		return rdv.ClinicToken{}, err
	}
	return t, nil
}

// tokenKey keys the token a route admitted, in the request's context.
type tokenKey struct{}

// TokenOf returns the API token a route admitted r's request with.
func TokenOf(ctx context.Context) (rdv.ClinicToken, bool) {
	t, ok := ctx.Value(tokenKey{}).(rdv.ClinicToken)
	return t, ok
}

// WithToken returns ctx carrying t, as a route that admitted it hands it
// to its handler.
func WithToken(ctx context.Context, t rdv.ClinicToken) context.Context {
	return context.WithValue(ctx, tokenKey{}, t)
}

// requireToken applies a token route's policy before h: a live token
// (401) with the policy's scope (403). The token goes to h in the
// request's context.
func (s *server) requireToken(p route.Policy, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, err := ClinicToken(r.Context(), s.Store, r, s.Engine.Now())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !t.Has(p.Scope) {
			s.fail(w, r, errScope)
			return
		}
		h(w, r.WithContext(WithToken(r.Context(), t)))
	}
}

// staffOrToken is a clinic staff route that a token with the policy's
// scope may also call, for the path's clinic: the token stands for the
// clinic's admin (a synthetic account of the clinic, ID 0), and the
// session's checks are skipped, since no browser sends the header.
func (s *server) staffOrToken(p route.Policy, staff http.HandlerFunc, h http.HandlerFunc) http.HandlerFunc {
	token := s.requireToken(p, func(w http.ResponseWriter, r *http.Request) {
		t, _ := TokenOf(r.Context())
		clinic, err := strconv.ParseInt(r.PathValue("clinic"), 10, 64)
		if err != nil || clinic != t.ClinicID {
			s.fail(w, r, errNotClinicAdmin)
			return
		}
		a := rdv.Account{Role: rdv.ClinicAdmin, ClinicID: t.ClinicID, Name: "token " + t.Prefix}
		h(w, r.WithContext(context.WithValue(r.Context(), staffKey{}, a)))
	})
	return func(w http.ResponseWriter, r *http.Request) {
		if HasBearer(r) {
			token(w, r)
			return
		}
		staff(w, r)
	}
}

// actorKey names who acts on a clinic route, for the idempotency keys'
// owner: the token when one was admitted, else the staff account.
func actorKey(r *http.Request, a rdv.Account) string {
	if t, ok := TokenOf(r.Context()); ok {
		return "token:" + strconv.FormatInt(t.ID, 10)
	}
	return "account:" + strconv.FormatInt(a.ID, 10)
}
