package web

import (
	"context"
	"net/http"
	"strings"

	"rdv/i18n"
)

// langCookie keeps the language a person chose with the switch.
const langCookie = i18n.Cookie

type langKey struct{}

// langOf returns the language of the request: "fr" or "en".
func langOf(ctx context.Context) string {
	if l, ok := ctx.Value(langKey{}).(string); ok {
		return l
	}
	return "fr"
}

// otherLang returns the language the switch offers.
func otherLang(lang string) string { return i18n.Other(lang) }

// withLanguage puts the request's language in its context, remembers a
// choice made with the switch in a cookie, and tells caches that pages
// vary with both.
func withLanguage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang, chosen := i18n.Lang(r) // the site's one rule
		if chosen {
			http.SetCookie(w, &http.Cookie{ // #nosec G124 -- Secure whenever the request came over TLS; a Secure cookie over plain HTTP would be dropped
				Name:     langCookie,
				Value:    lang,
				Path:     "/",
				MaxAge:   365 * 24 * 3600,
				HttpOnly: true,
				Secure:   r.TLS != nil,
				SameSite: http.SameSiteLaxMode,
			})
		}
		if !strings.HasPrefix(r.URL.Path, "/static/") { // the same in every language
			w.Header().Add("Vary", "Accept-Language, Cookie")
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), langKey{}, lang)))
	})
}
