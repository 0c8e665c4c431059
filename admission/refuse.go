package admission

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"rdv"
)

// CodeRateLimited is the JSON error code of a request refused because its
// client exceeded its own rate (429). Overload refusals use "unavailable"
// (rdv.EUNAVAILABLE, 503).
const (
	CodeRateLimited = "rate_limited"
	codeUnavailable = "unavailable"
)

// refusal texts per kind and language. They are rendered once, at start:
// a refusal must cost next to nothing.
var refusalText = map[int]map[string]struct{ title, message string }{
	http.StatusServiceUnavailable: {
		"fr": {"Service très sollicité", "Le service reçoit beaucoup de demandes en ce moment. Votre demande n'a pas été traitée : réessayez dans quelques secondes."},
		"en": {"Service busy", "The service is receiving many requests right now. Your request was not processed: please try again in a few seconds."},
	},
	http.StatusTooManyRequests: {
		"fr": {"Trop de demandes", "Nous avons reçu trop de demandes de votre part en peu de temps. Réessayez dans quelques secondes."},
		"en": {"Too many requests", "We received too many requests from you in a short time. Please try again in a few seconds."},
	},
}

var refusalPage = template.Must(template.New("refusal").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Title}}</title><style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}</style></head>
<body><h1>{{.Title}}</h1><p>{{.Message}}</p><p><a href="/">{{.Home}}</a></p></body></html>
`))

// refusal is a pre-rendered answer.
type refusal struct {
	json, html []byte
}

type refusals map[int]map[string]refusal

func renderRefusals() refusals {
	out := refusals{}
	for status, langs := range refusalText {
		out[status] = map[string]refusal{}
		code := codeUnavailable
		if status == http.StatusTooManyRequests {
			code = CodeRateLimited
		}
		for lang, t := range langs {
			home := "Retour à l'accueil"
			if lang == "en" {
				home = "Back to the home page"
			}
			var page strings.Builder
			if err := refusalPage.Execute(&page, map[string]string{"Lang": lang, "Title": t.title, "Message": t.message, "Home": home}); err != nil {
				panic(err) // a fixed template over fixed data
			}
			js := `{"error":{"code":"` + code + `","message":` + strconv.Quote(t.message) + `}}` + "\n"
			out[status][lang] = refusal{json: []byte(js), html: []byte(page.String())}
		}
	}
	return out
}

// write answers with a refusal in the person's language: JSON for the API,
// a small page otherwise.
func (rs refusals) write(w http.ResponseWriter, r *http.Request, status int, retryAfter time.Duration) {
	ref := rs[status][Language(r.Header.Get("Accept-Language"))]
	h := w.Header()
	secs := int((retryAfter + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	h.Set("Retry-After", strconv.Itoa(secs))
	h.Set("Cache-Control", "no-store")
	body := ref.html
	if strings.HasPrefix(r.URL.Path, "/api/") {
		h.Set("Content-Type", "application/json; charset=utf-8")
		body = ref.json
	} else {
		h.Set("Content-Type", "text/html; charset=utf-8")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// Language returns "en" when an Accept-Language header prefers English to
// French, and "fr" otherwise: French is the default.
func Language(accept string) string { return rdv.PreferredLanguage(accept) }
