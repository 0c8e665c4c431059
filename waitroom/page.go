package waitroom

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"time"

	"rdv/admission"
	"rdv/i18n"
)

// The waiting page is light on purpose: no file to fetch, its style and
// script inline (allowed by their hashes in its Content-Security-Policy),
// a couple of kilobytes. It is what a crowd downloads over and over.
//
// It does not reload itself with a timed refresh: people using a screen
// reader lose their place at each reload and cannot stop it (WCAG 2.2.1).
// The script asks for the page again when the server said to come back
// (Retry-After), updates the place in line in a polite live region, and
// goes to the site once let in; a button pauses and resumes it. Without
// the script, a link asks again by hand.

// tr returns the page's text of key (texts.go) in lang.
func tr(lang, key string, args ...any) string { return i18n.T(lang, "waitroom."+key, args...) }

// minutes writes a wait the way people say it.
func minutes(d time.Duration, lang string) string {
	m := int(math.Ceil(d.Minutes()))
	switch {
	case m <= 1:
		return i18n.N(lang, "waitroom.minutes", 1)
	case m < 120:
		return i18n.N(lang, "waitroom.minutes", m)
	}
	return i18n.N(lang, "waitroom.hours", (m+30)/60)
}

// pageStyle and pageScript are the page's inline style and script; the
// page's Content-Security-Policy allows exactly these by their hashes.
const pageStyle = `body{font:1.1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}strong{font-size:1.4rem}a{color:#0b4f9c}button{font:inherit;padding:.4rem .9rem}`

const pageScript = `"use strict";(function(){
var box=document.getElementById("place"),btn=document.getElementById("pause"),timer=0,paused=false;
if(!box||!btn||!window.fetch||!window.DOMParser)return;
function after(el){var s=parseInt(el.getAttribute("data-after"),10);return isNaN(s)?10:s}
function later(s){clearTimeout(timer);if(!paused)timer=setTimeout(check,s*1000)}
function check(){fetch(box.getAttribute("data-next"),{credentials:"same-origin",cache:"no-store",headers:{Accept:"text/html"}}).then(function(r){
if(r.ok){location.reload();return}
if(r.status!==503){later(30);return}
return r.text().then(function(t){var n=new DOMParser().parseFromString(t,"text/html").getElementById("place");
if(!n){later(30);return}
box.setAttribute("data-next",n.getAttribute("data-next"));
if(box.innerHTML!==n.innerHTML)box.innerHTML=n.innerHTML;
later(after(n))})}).catch(function(){later(30)})}
btn.hidden=false;
btn.addEventListener("click",function(){paused=!paused;btn.textContent=btn.getAttribute(paused?"data-resume":"data-pause");if(paused)clearTimeout(timer);else check()});
later(after(box))})();`

// pagePolicy lets the page run its own style and script and ask for
// itself again, nothing else.
var pagePolicy = "default-src 'none'; style-src '" + sha256Source(pageStyle) + "'; script-src '" + sha256Source(pageScript) +
	"'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func sha256Source(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

var pageTemplate = template.Must(template.New("wait").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>{{.Style}}</style>
</head>
<body>
<header><nav aria-label="{{.LangLabel}}"><a href="{{.SwitchURL}}" lang="{{.Other}}" hreflang="{{.Other}}">{{.OtherName}}</a></nav></header>
<main>
<h1>{{.Title}}</h1>
<p>{{.Intro}}</p>
<div id="place" role="status" data-next="{{.NextURL}}" data-after="{{.Refresh}}"><p><strong>{{.Place}}</strong>{{with .Wait}}<br>{{.}}{{end}}</p></div>
<p>{{.Keep}}</p>
<p><button type="button" id="pause" data-pause="{{.Pause}}" data-resume="{{.Resume}}" hidden>{{.Pause}}</button></p>
<noscript><p><a href="{{.NextURL}}">{{.Check}}</a></p></noscript>
<p><a href="/demande">{{.Request}}</a></p>
</main>
<footer><p>{{.Urgent}}</p></footer>
<script>{{.Script}}</script>
</body>
</html>
`))

type pageData struct {
	Lang, Other, OtherName, LangLabel, SwitchURL, Title, Intro, Place, Wait, Keep, Request, Urgent string
	Check, Pause, Resume                                                                           string
	Refresh                                                                                        int
	// NextURL is where the page asks again: this page, or for a browser
	// just arriving the same page marked (see noCookies).
	NextURL string
	Style   template.CSS
	Script  template.JS
}

// refreshAfter is how soon the page comes back: often when the turn is
// near, rarely when it is far, within 5 to 30 seconds.
func refreshAfter(wait time.Duration) time.Duration {
	return min(max(wait/4, 5*time.Second), 30*time.Second).Round(time.Second)
}

// writeWaiting answers 503 with Retry-After: the waiting page, or for the
// API a JSON error with the place in line. ahead < 0 means no ticket
// could be issued.
func (r *Room) writeWaiting(w http.ResponseWriter, req *http.Request, seq, ahead int64, wait time.Duration) {
	lang, _ := i18n.Lang(req)
	retry := refreshAfter(wait)
	switch ahead {
	case arriving:
		retry = time.Second
	case noCookies:
		retry = 30 * time.Second
	}
	h := w.Header()
	h.Set("Retry-After", strconv.Itoa(int(retry.Seconds())))
	h.Set("Cache-Control", "no-store")
	switch r.cfg.Format(req) {
	case admission.FHIR:
		// FHIR clients read OperationOutcomes only: the place in line
		// goes in its diagnostics, in words; Retry-After says when.
		h.Set("Content-Type", admission.FHIRContentType)
		h.Set("Content-Language", lang)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write(admission.OperationOutcome(lang, "transient", "waiting_room", tr(lang, "api"), placeInWords(lang, ahead, wait))) // #nosec G705 -- a JSON OperationOutcome, served as application/fhir+json
		return
	case admission.JSON:
		body := map[string]any{
			"error": map[string]string{"code": "waiting_room", "message": tr(lang, "api")},
			"waiting_room": map[string]any{
				"ticket": seq, "ahead": max(ahead, 0), "estimated_wait_seconds": int(math.Ceil(wait.Seconds())),
				"retry_after_seconds": int(retry.Seconds()),
			},
		}
		h.Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(body)
		return
	}
	d := pageData{Lang: lang, Other: i18n.Other(lang), OtherName: i18n.Name(i18n.Other(lang)), LangLabel: i18n.LanguageNav.In(lang), Title: tr(lang, "title"), Intro: tr(lang, "intro"),
		Keep: tr(lang, "keep"), Request: tr(lang, "request"), Urgent: i18n.Emergency.In(lang), Refresh: int(retry.Seconds()),
		Check: tr(lang, "check"), Pause: tr(lang, "pause"), Resume: tr(lang, "resume"), NextURL: req.URL.RequestURI(),
		Style: template.CSS(pageStyle), Script: template.JS(pageScript)}
	q := req.URL.Query()
	q.Set(i18n.Query, d.Other)
	d.SwitchURL = req.URL.Path + "?" + q.Encode()
	switch {
	case ahead == arriving:
		d.Place = tr(lang, "arriving")
		// The page comes back marked, so that a browser that did not
		// keep the id can be told why it does not move (see noCookies).
		back := req.URL.Query()
		back.Set(returnParam, "1")
		d.NextURL = req.URL.Path + "?" + back.Encode()
	case ahead == noCookies:
		d.Place = tr(lang, "nocookies")
	case ahead < 0:
		d.Place = tr(lang, "noticket")
	case ahead == 0:
		d.Place = tr(lang, "next")
	default:
		d.Place = tr(lang, "ahead", ahead)
		d.Wait = tr(lang, "wait", minutes(wait, lang))
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, d); err != nil {
		panic("waitroom: render the waiting page: " + err.Error())
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pagePolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write(buf.Bytes())
}

// placeInWords says a place in line as the page does; "" for no place
// (ahead < 0).
func placeInWords(lang string, ahead int64, wait time.Duration) string {
	switch {
	case ahead < 0:
		return ""
	case ahead == 0:
		return tr(lang, "next")
	}
	return tr(lang, "ahead", ahead) + " " + tr(lang, "wait", minutes(wait, lang))
}
