package web

import (
	"context"
	"net/http"
	"strings"

	"rdv"
)

// langCookie keeps the language a person chose with the switch.
const langCookie = "lang"

type langKey struct{}

// langOf returns the language of the request: "fr" or "en".
func langOf(ctx context.Context) string {
	if l, ok := ctx.Value(langKey{}).(string); ok {
		return l
	}
	return "fr"
}

// otherLang returns the language the switch offers.
func otherLang(lang string) string {
	if lang == "en" {
		return "fr"
	}
	return "en"
}

// pickLang decides the language of a request: the switch (?lang=) first,
// then the cookie it set, then Accept-Language, then French. chosen is true
// when the request carries the switch, so that the choice is remembered.
func pickLang(r *http.Request) (lang string, chosen bool) {
	if l := r.URL.Query().Get("lang"); l == "fr" || l == "en" {
		return l, true
	}
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == "fr" || c.Value == "en") {
		return c.Value, false
	}
	return rdv.PreferredLanguage(r.Header.Get("Accept-Language")), false
}

// withLanguage puts the request's language in its context, remembers a
// choice made with the switch in a cookie, and tells caches that pages
// vary with both.
func withLanguage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang, chosen := pickLang(r)
		if chosen {
			http.SetCookie(w, &http.Cookie{
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
