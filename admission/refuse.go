package admission

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"rdv/i18n"
)

// CodeRateLimited is the JSON error code of a request refused because its
// client exceeded its own rate (429). Overload refusals use "unavailable"
// (rdv.EUNAVAILABLE, 503).
const (
	CodeRateLimited = "rate_limited"
	codeUnavailable = "unavailable"
)

// refusalCodes are the JSON error codes of the refusals, by status; their
// texts are in texts.go. They are rendered once, at start: a refusal must
// cost next to nothing.
var refusalCodes = map[int]string{
	http.StatusServiceUnavailable: codeUnavailable,
	http.StatusTooManyRequests:    CodeRateLimited,
}

var refusalPage = template.Must(template.New("refusal").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Title}}</title><style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}</style></head>
<body><h1>{{.Title}}</h1><p>{{.Message}}</p><p><a href="/">{{.Home}}</a></p></body></html>
`))

// Format is how a refusal is written for a request: the small page people
// read, the JSON API's error, or for the FHIR API an OperationOutcome
// (FHIR clients read no other error). The route table that registers a
// route says which (route.Route.Format).
type Format int

// Formats. The zero value is the page.
const (
	Page Format = iota
	JSON
	FHIR
)

// refusalIssues are the OperationOutcome issue types of the refusals, by
// status: what the FHIR API itself answers for the same domain errors.
var refusalIssues = map[int]string{
	http.StatusServiceUnavailable: "transient",
	http.StatusTooManyRequests:    "throttled",
}

// FHIRContentType is the media type of an OperationOutcome.
const FHIRContentType = "application/fhir+json; charset=utf-8"

// OperationOutcome returns the FHIR R4 OperationOutcome of a refusal in
// lang: one error of issue type issue, its code in the JSON API's codes
// (the FHIR API's urn:rdv:error system), the text people read, and
// diagnostics if any. The waiting room writes its own with it. The FHIR
// API's package cannot be imported here (it sits above admission), so the
// resource is spelled out; its tests validate these against R4.
func OperationOutcome(lang, issue, code, text, diagnostics string) []byte {
	var b strings.Builder
	b.WriteString(`{"resourceType":"OperationOutcome","language":"` + lang + `","issue":[{"severity":"error","code":"` + issue +
		`","details":{"coding":[{"system":"urn:rdv:error","code":"` + code + `"}],"text":` + strconv.Quote(text) + `}`)
	if diagnostics != "" {
		b.WriteString(`,"diagnostics":` + strconv.Quote(diagnostics))
	}
	b.WriteString("}]}\n")
	return []byte(b.String())
}

// refusal is a pre-rendered answer.
type refusal struct {
	json, html, fhir []byte
}

type refusals map[int]map[string]refusal

func renderRefusals() refusals {
	out := refusals{}
	for status, code := range refusalCodes {
		out[status] = map[string]refusal{}
		for _, lang := range []string{"fr", "en"} {
			key := "refusal." + strconv.Itoa(status) + "."
			title, message := i18n.T(lang, key+"title"), i18n.T(lang, key+"message")
			var page strings.Builder
			if err := refusalPage.Execute(&page, map[string]string{"Lang": lang, "Title": title, "Message": message, "Home": i18n.BackHome.In(lang)}); err != nil {
				panic(err) // a fixed template over fixed data
			}
			js := `{"error":{"code":"` + code + `","message":` + strconv.Quote(message) + `}}` + "\n"
			out[status][lang] = refusal{json: []byte(js), html: []byte(page.String()),
				fhir: OperationOutcome(lang, refusalIssues[status], code, message, "")}
		}
	}
	return out
}

// write answers with a refusal in the person's language, chosen as the
// pages choose it (i18n.Lang), in format f: the same status and
// Retry-After whatever the format.
func (rs refusals) write(w http.ResponseWriter, r *http.Request, f Format, status int, retryAfter time.Duration) {
	lang, _ := i18n.Lang(r)
	ref := rs[status][lang]
	h := w.Header()
	secs := int((retryAfter + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	h.Set("Retry-After", strconv.Itoa(secs))
	h.Set("Cache-Control", "no-store")
	var body []byte
	switch f {
	case JSON:
		h.Set("Content-Type", "application/json; charset=utf-8")
		body = ref.json
	case FHIR:
		h.Set("Content-Type", FHIRContentType)
		h.Set("Content-Language", lang)
		body = ref.fhir
	default:
		h.Set("Content-Type", "text/html; charset=utf-8")
		body = ref.html
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
