package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"rdv"
)

//go:embed templates/*
var templateFS embed.FS

//go:embed static/*
var staticFS embed.FS

// pageTemplate is one page: the layout, the shared parts and the page's
// own "main" block.
type pageTemplate struct{ *template.Template }

// parsePages parses every page once, at start.
func parsePages() (map[string]pageTemplate, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	pages := make(map[string]pageTemplate)
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" || base == "parts.html" {
			continue
		}
		t, err := template.ParseFS(templateFS, "templates/layout.html", "templates/parts.html", name)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", base, err)
		}
		pages[strings.TrimSuffix(base, ".html")] = pageTemplate{t}
	}
	return pages, nil
}

// asset is a static file served under a name that carries its checksum, so
// that browsers may keep it for a year.
type asset struct {
	body  []byte
	gz    []byte // body gzipped once at start; nil when it gains nothing
	ctype string
	name  string // the file's own name, e.g. app.js
}

// assetTypes are the content types of the static files, by extension.
var assetTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
}

// loadAssets fingerprints the static files and returns them by served
// name, with the URL of the style sheet. The URLs of the other files are
// in assetURLs.
func loadAssets() (map[string]asset, string, error) {
	assets := make(map[string]asset)
	var cssURL string
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		return nil, "", fmt.Errorf("list static files: %w", err)
	}
	for _, e := range entries {
		body, err := fs.ReadFile(staticFS, "static/"+e.Name())
		if err != nil {
			return nil, "", fmt.Errorf("read static file %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(e.Name())
		served := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:6]) + ext
		ctype, ok := assetTypes[ext]
		if !ok {
			ctype = "application/octet-stream"
		}
		assets[served] = asset{body: body, gz: gzipOnce(body), ctype: ctype, name: e.Name()}
		if e.Name() == "app.css" {
			cssURL = "/static/" + served
		}
	}
	if cssURL == "" {
		return nil, "", fmt.Errorf("static/app.css is missing")
	}
	return assets, cssURL, nil
}

// static serves a fingerprinted file; any other name is not found.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	a, ok := s.assets[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	body := a.body
	if a.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if r.Method != http.MethodHead && acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			body = a.gz
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// page is what every template receives: the language and its strings,
// the layout's links, and the page's own data.
type page struct {
	Lang      string
	Title     string
	CSS       string
	JS        string // the script that improves the page; "" for none
	SwitchURL string
	// SwitchForm is the id of the page's form when the language switch
	// must carry what was typed: the switch is then a button that posts
	// that form to SwitchURL (see language_switch.go).
	SwitchForm string
	Notice     string // a translated message shown at the top, if any
	Form       *form
	Data       any
	Banner     rdv.Banner   // the operators' status message; zero when none
	Modes      []modeNotice // the modes in force, shown above the banner
	Account    *rdv.Account // the signed-in staff account, if any
	// Patient is the signed-in patient account, if any.
	Patient *rdv.PatientAccount

	// NoticeKey is the catalog key of Notice when the handler has one:
	// render translates it once the page's language is known.
	NoticeKey string

	// csrf is the token of the page's forms (see CSRF). newCSRF makes one
	// for a browser ID when the browser has none; csrfCookie is then the
	// new ID, which render must give to the browser.
	csrf       string
	newCSRF    func(browserID string) string
	csrfCookie string
}

// T returns the string of key in the page's language.
func (p *page) T(key string, args ...any) string { return translate(p.Lang, key, args...) }

// Other returns the language the switch offers.
func (p *page) Other() string { return otherLang(p.Lang) }

// DateTime writes an instant the way people of the page's language do.
func (p *page) DateTime(t time.Time) string { return FormatDateTime(t, p.Lang) }

// Clock writes a time of day.
func (p *page) Clock(t time.Time) string { return FormatClock(t, p.Lang) }

// Km writes a distance.
func (p *page) Km(km float64) string { return FormatKm(km, p.Lang) }

// Service returns a service's name.
func (p *page) Service(s rdv.Service) string { return s.Name(p.Lang) }

// Field describes one input of the page's form for the "field" template:
// its label and hint (catalog keys; hintKey may be ""), the value the
// person typed and the message of its error.
func (p *page) Field(name, labelKey, typ, autocomplete, hintKey string, optional bool) field {
	f := field{Name: name, ID: fieldID(name), Label: p.T(labelKey), Type: typ, Autocomplete: autocomplete}
	// A guardian's fields are needed only for a child: neither marked
	// optional nor required, their fieldset says when to fill them.
	guardian := strings.HasPrefix(name, guardianPrefix)
	f.Required = !optional && !guardian
	if optional && !guardian {
		f.OptionalText = p.T("form.optional")
	}
	if hintKey != "" {
		f.Hint = p.T(hintKey)
	}
	if p.Form != nil {
		f.Value = p.Form.Values.Get(name)
		if key := p.Form.Errors[name]; key != "" {
			f.Error = p.T(key)
		}
	}
	return f
}

// slotArgs is what the "slot" template shows: a slot, in the page's
// language.
type slotArgs struct {
	P *page
	S slotView
}

// SlotArgs bundles the page and a slot for the "slot" template.
func (p *page) SlotArgs(s slotView) slotArgs { return slotArgs{p, s} }

// Err returns the translated message of a form field's error, or "".
func (p *page) Err(name string) string {
	if p.Form == nil || p.Form.Errors[name] == "" {
		return ""
	}
	return p.T(p.Form.Errors[name])
}

// field is one labelled input with its hint and its error.
type field struct {
	Name, ID, Label, Type, Autocomplete, Value, Error, Hint string
	OptionalText                                            string // shown by the label when not ""
	Required                                                bool
}

// DescribedBy lists the IDs of the hint and the error, for screen readers.
func (f field) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// render writes a page with a status. The page is rendered into a buffer
// first, so that a template failure becomes a clean 500, never half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	t, ok := s.pages[name]
	if !ok {
		panic("web: no page template " + name)
	}
	p.Lang = langOf(r.Context())
	p.CSS = s.cssURL
	p.JS = assetURL(s.assets, "app.js")
	p.Title = p.T(p.Title)
	if p.NoticeKey != "" {
		p.Notice = p.T(p.NoticeKey)
	}
	p.csrf, p.newCSRF = s.expectedCSRF(r), s.browserCSRF
	if si := signedInOf(r); si != nil {
		p.Account = &si.acct
	}
	if pi := patientOf(r); pi != nil {
		p.Patient = &pi.acct
	}
	p.Banner = s.banner(r.Context())
	p.Modes = s.modeNotices(r.Context())
	if p.SwitchURL == "" {
		p.SwitchURL = switchURL(r, r.Method == http.MethodGet, p.Other())
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		panic(fmt.Sprintf("web: render %s: %v", name, err))
	}
	h := w.Header()
	if p.csrfCookie != "" {
		setCSRFCookie(w, r, p.csrfCookie)
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// switchURL returns the link of the language switch: the same page in the
// other language, or the home page when the page answered a form post.
func switchURL(r *http.Request, samePage bool, lang string) string {
	if !samePage {
		return "/?lang=" + lang
	}
	q := r.URL.Query()
	q.Set("lang", lang)
	q.Del("avis") // a notice was for the moment it was given
	return (&url.URL{Path: r.URL.Path, RawQuery: q.Encode()}).String()
}

// renderError writes the friendly page of an HTTP error status.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int) {
	s.renderMessage(w, r, status, "")
}

// renderMessage writes an error page with a specific explanation (a
// catalog key); "" uses the status's own.
func (s *Server) renderMessage(w http.ResponseWriter, r *http.Request, status int, textKey string) {
	code := status
	switch code {
	case http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusServiceUnavailable:
	case http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		code = http.StatusBadRequest
	default:
		code = http.StatusInternalServerError
	}
	if textKey == "" {
		textKey = fmt.Sprintf("error.%d.text", code)
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "30")
	}
	s.render(w, r, status, "error", &page{
		Title: fmt.Sprintf("error.%d.title", code),
		Data:  errorData{TextKey: textKey},
	})
}

// errorData is what the error page shows besides its title.
type errorData struct{ TextKey string }

// assetURL returns the fingerprinted URL of a static file by its own
// name, or "" when there is no such file.
func assetURL(assets map[string]asset, name string) string {
	for served, a := range assets {
		if a.name == name {
			return "/static/" + served
		}
	}
	return ""
}
