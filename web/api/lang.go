package api

import (
	"net/http"

	"rdv"
)

// Lang returns the language to answer r in, "fr" or "en", from its
// Accept-Language header: the acceptable one with the highest q-value (the
// first listed on a tie), French when neither is acceptable or the header is
// absent. Regional tags count for their language (fr-CA is fr).
func Lang(r *http.Request) string {
	return rdv.PreferredLanguage(r.Header.Get("Accept-Language"))
}
