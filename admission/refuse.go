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

// refusal is a pre-rendered answer, in each format, with its header
// values: a refusal sets its headers from values made once (a header
// Set allocates its value and checks its name, and five of them were
// most of what a refusal allocated).
type refusal struct {
	json, html, fhir answer
	lang             []string
}

// answer is a body and its Content-Type and Content-Length values.
type answer struct {
	body           []byte
	ctype, clength []string
}

func newAnswer(ctype string, body []byte) answer {
	return answer{body: body, ctype: []string{ctype}, clength: []string{strconv.Itoa(len(body))}}
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
			out[status][lang] = refusal{
				json: newAnswer("application/json; charset=utf-8", []byte(js)),
				html: newAnswer("text/html; charset=utf-8", []byte(page.String())),
				fhir: newAnswer(FHIRContentType, OperationOutcome(lang, refusalIssues[status], code, message, "")),
				lang: []string{lang},
			}
		}
	}
	return out
}

// retryAfters are the Retry-After values of the first minutes, made once.
var retryAfters = func() [][]string {
	out := make([][]string, 301)
	for i := range out {
		out[i] = []string{strconv.Itoa(i)}
	}
	return out
}()

var hdrNoStore = []string{"no-store"}

// write answers with a refusal in the person's language, chosen as the
// pages choose it (i18n.Lang), in format f: the same status and
// Retry-After whatever the format. The header values are shared by every
// refusal: the server copies them when it writes the header, and a
// handler after this one would replace them, never append in place (each
// has no room to grow).
func (rs refusals) write(w http.ResponseWriter, r *http.Request, f Format, status int, retryAfter time.Duration) {
	lang, _ := i18n.Lang(r)
	ref := rs[status][lang]
	h := w.Header()
	secs := int((retryAfter + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	if secs < len(retryAfters) {
		h["Retry-After"] = retryAfters[secs]
	} else {
		h["Retry-After"] = []string{strconv.Itoa(secs)}
	}
	h["Cache-Control"] = hdrNoStore
	a := ref.html
	switch f {
	case JSON:
		a = ref.json
	case FHIR:
		a = ref.fhir
		h["Content-Language"] = ref.lang
	}
	h["Content-Type"], h["Content-Length"] = a.ctype, a.clength
	w.WriteHeader(status)
	_, _ = w.Write(a.body)
}
