// Package haproxy holds rdv's edge: the HAProxy configuration that
// stands in front of rdv serve instances (haproxy.cfg), and the refusal
// pages it answers with by itself (pages/), which are made here from
// rdv's own texts so that a person turned away by the edge reads what an
// instance would have told them.
//
// The pages are files because HAProxy reads them at start; the test
// checks that they are still what Pages makes, and writes them anew with
// -update:
//
//	go test ./deploy/haproxy -run TestPages -update
package haproxy

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"rdv/admission"
	"rdv/i18n"
)

// RateWindow is the period over which the edge measures a client's and an
// address's request rate (gpc0_rate in haproxy.cfg): a client over its
// rate may come back once the window has slid past its requests.
const RateWindow = time.Second

// A refusal's page shows both languages, French first: the edge keeps no
// language rule of its own, and the page is the same for everyone.
var page = template.Must(template.New("refusal").Parse(`<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{(index . 0).Title}} / {{(index . 1).Title}}</title><style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}section+section{border-top:1px solid #ccc;margin-top:2rem}</style></head>
<body>{{range .}}<section lang="{{.Lang}}"><h1>{{.Title}}</h1><p>{{.Message}}</p><p><a href="/">{{.Home}}</a></p></section>
{{end}}</body></html>
`))

type text struct{ Lang, Title, Message, Home string }

// Pages returns the edge's refusals by file name, each a whole HTTP
// response as HAProxy's errorfile reads it: busy.http when the instances
// are full (their queue at the edge is full or timed out, or none is up),
// and rate.http when a client or an address is over its rate. Both are
// 503 with Retry-After, rdv's status for "not now"; the first says what
// rdv says of a request shed under load, the second what it says of a
// client over its rate.
func Pages() map[string][]byte {
	return map[string][]byte{
		"busy.http": response("refusal.503.", admission.DefaultConfig().RetryAfter),
		"rate.http": response("refusal.429.", RateWindow),
	}
}

func response(key string, retryAfter time.Duration) []byte {
	var texts []text
	for _, lang := range []string{"fr", "en"} {
		texts = append(texts, text{Lang: lang, Title: i18n.T(lang, key+"title"), Message: i18n.T(lang, key+"message"), Home: i18n.BackHome.In(lang)})
	}
	var body strings.Builder
	if err := page.Execute(&body, texts); err != nil {
		panic(err) // a fixed template over fixed texts
	}
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", http.StatusServiceUnavailable, http.StatusText(http.StatusServiceUnavailable))
	fmt.Fprintf(&b, "Content-Type: text/html; charset=utf-8\r\n")
	fmt.Fprintf(&b, "Content-Language: fr, en\r\n")
	fmt.Fprintf(&b, "Cache-Control: no-store\r\n")
	fmt.Fprintf(&b, "Retry-After: %s\r\n", strconv.Itoa(int((retryAfter+time.Second-1)/time.Second)))
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", body.Len())
	b.WriteString(body.String())
	return []byte(b.String())
}
