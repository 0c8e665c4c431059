package web

import (
	"net/http"
	"slices"
	"strings"

	"rdv"
	"rdv/auth"
)

// The clinic's API tokens: made with a name and scopes, the secret shown
// once; listed with the secret's first characters, scopes, creation and
// last use; revoked for good.

// tokenFields are the token form's fields with their labels, in order.
var tokenFields = []labelled{{"name", "integ.name"}, {"scopes", "tokens.scopes"}}

// choice is a checkbox of a form's group.
type choice struct {
	Value, Label string
	Checked      bool
}

// portalTokensData is what the tokens page shows.
type portalTokensData struct {
	Clinic rdv.Clinic
	Scopes []choice
	Tokens []tokenRow
	Secret *shownSecret // the token just made, shown this once
}

// portalTokens lists the clinic's API tokens with the form to make one.
func (s *Server) portalTokens(w http.ResponseWriter, r *http.Request) {
	_, c, ok := s.staffClinic(w, r)
	if !ok {
		return
	}
	f := s.integDraft(w, r, tokensPath, tokenFields)
	if f == nil {
		f = newForm(nil)
	}
	s.renderTokens(w, r, http.StatusOK, c, f, s.takeSecret(w, r, tokensPath), integNotice(r, "tokens", "created", "revoked"))
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, c rdv.Clinic, f *form, secret *shownSecret, notice string) {
	list, err := s.d.Store.ClinicTokens(r.Context(), c.ID, rdv.APIToken)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := langOf(r.Context())
	data := portalTokensData{Clinic: c, Secret: secret}
	for _, sc := range rdv.TokenScopes {
		data.Scopes = append(data.Scopes, choice{Value: string(sc), Label: translate(lang, "tokens.scope."+string(sc)),
			Checked: slices.Contains(f.Values["scopes"], string(sc))})
	}
	for _, t := range list {
		data.Tokens = append(data.Tokens, s.tokenRowOf(t, lang))
	}
	s.render(w, r, status, "portal_tokens", &page{Title: "tokens.title", Form: f, Data: data, NoticeKey: notice})
}

// portalAddToken makes an API token of the account's clinic and shows
// its secret once.
func (s *Server) portalAddToken(w http.ResponseWriter, r *http.Request) {
	a, c, ok := s.staffForm(w, r)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	t := rdv.ClinicToken{ClinicID: c.ID, Kind: rdv.APIToken, Name: strings.TrimSpace(f.Values.Get("name")),
		CreatedBy: a.ID, CreatedAt: s.d.Engine.Now()}
	for _, v := range f.Values["scopes"] {
		sc, err := rdv.ParseTokenScope(v)
		if err != nil || slices.Contains(t.Scopes, sc) {
			f.Fail("scopes", "tokens.err.scopes")
			continue
		}
		t.Scopes = append(t.Scopes, sc)
	}
	tokenRefused(f, t.Validate())
	if len(f.Errors) == 0 {
		secret := newSecret(rdv.APIToken)
		t.Prefix = rdv.TokenPrefix(secret)
		made, err := s.d.Store.AddClinicToken(r.Context(), t, auth.HashToken(secret))
		switch {
		case err == nil:
			s.log.InfoContext(r.Context(), "API token made", "clinic", c.ID, "token", made.ID, "account", a.ID)
			dropPageCookie(w, r, integDraftCookie, tokensPath)
			s.handSecret(w, r, tokensPath, "created", shownSecret{Name: made.Name, Secret: secret}, func(sec *shownSecret) {
				s.renderTokens(w, r, http.StatusOK, c, newForm(nil), sec, "tokens.notice.created")
			})
			return
		case !tokenRefused(f, err):
			s.fail(w, r, err)
			return
		}
	}
	s.sendIntegBack(w, r, tokensPath, f, tokenFields, func(f *form) {
		s.renderTokens(w, r, http.StatusUnprocessableEntity, c, f, nil, "")
	})
}

// tokenRefused places a token's or a feed's refusal on the field it
// concerns, and reports whether it was one.
func tokenRefused(f *form, err error) bool {
	if rdv.ErrorCode(err) != rdv.EINVALID {
		return false
	}
	switch rdv.ErrorField(err) {
	case "scopes":
		f.Fail("scopes", "tokens.err.scopes")
	case "practitioner":
		f.Fail("practitioner", "feeds.err.practitioner")
	default:
		f.Fail("name", "integ.err.name")
	}
	return true
}

// portalRevokeToken revokes an API token of the account's clinic.
func (s *Server) portalRevokeToken(w http.ResponseWriter, r *http.Request) {
	s.revokeToken(w, r, rdv.APIToken, tokensPath, "revoked")
}
