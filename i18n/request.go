package i18n

import (
	"net/http"
	"strings"

	"rdv"
)

// Cookie keeps the language a person chose with the switch.
const Cookie = "lang"

// Query is the parameter of the language switch (?lang=en).
const Query = "lang"

// Lang decides the language of a request, the same way for the pages,
// the waiting room and the refusals under load: the switch (?lang=)
// first, then the cookie it set, then Accept-Language by q-value
// (rdv.PreferredLanguage), then French. chosen is true when the request
// carries the switch, so that the pages can remember the choice.
//
// A refusal calls it on every request it turns away, so it parses the
// query only when the switch may be in it.
func Lang(r *http.Request) (lang string, chosen bool) {
	if strings.Contains(r.URL.RawQuery, Query+"=") {
		if l := r.URL.Query().Get(Query); l == "fr" || l == "en" {
			return l, true
		}
	}
	if c, err := r.Cookie(Cookie); err == nil && (c.Value == "fr" || c.Value == "en") {
		return c.Value, false
	}
	return rdv.PreferredLanguage(r.Header.Get("Accept-Language")), false
}
