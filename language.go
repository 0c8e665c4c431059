package rdv

import (
	"strconv"
	"strings"
)

// PreferredLanguage returns the language to answer in, "fr" or "en", from
// an Accept-Language header: the acceptable one with the highest q-value
// (the first listed on a tie), French when neither is acceptable or the
// header is absent, since French is the product's first language. Regional
// tags count for their language (fr-CA is fr). Pages, the API and refusals
// under load all decide the same way.
func PreferredLanguage(header string) string {
	best, bestQ := "fr", -1.0
	for header != "" {
		var part string
		part, header, _ = strings.Cut(header, ",")
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.TrimSpace(tag)
		primary, _, _ := strings.Cut(tag, "-")
		var lang string
		switch {
		case strings.EqualFold(primary, "fr"):
			lang = "fr"
		case strings.EqualFold(primary, "en"):
			lang = "en"
		default:
			continue
		}
		q := qValue(params)
		if q > bestQ && q > 0 {
			best, bestQ = lang, q
		}
	}
	return best
}

// qValue reads the q parameter of one Accept-Language entry; absent or
// malformed means 1.
func qValue(params string) float64 {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || q < 0 || q > 1 {
			return 1
		}
		return q
	}
	return 1
}
