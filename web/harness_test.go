package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/availability"
	"rdv/booking"
	"rdv/route"
	"rdv/sqlite"
	"rdv/storetest"
	"rdv/web/api"
)

// site is a server over a real SQLite store loaded with the small test
// network, whose slots start tomorrow.
type site struct {
	t   testing.TB
	srv *Server
	// api is the JSON API, mounted beside srv as the binary mounts it
	// (see mounted).
	api    http.Handler
	store  rdv.Store
	engine *booking.Engine
	// clock is the engine's: the real time until a test sets it.
	clock *storetest.Clock
	index *availability.Index
	start rdv.Date
}

// mustOpenSite builds the whole stack as the binary does.
func mustOpenSite(t testing.TB) *site {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "rdv.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	start := rdv.DateOf(time.Now()).AddDays(1)
	storetest.MustLoad(t, store, storetest.SmallNetwork(start))
	index := storetest.MustBuildIndex(t, store, time.Now())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clock := &storetest.Clock{}
	engine := booking.New(store, index, booking.Config{Now: clock.Now}, log)
	srv, err := New(Deps{
		Engine: engine,
		Index:  index,
		Store:  store,
		Log:    log,
		Secret: testSecret,
	})
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	api := api.New(api.Deps{Engine: engine, Index: index, Store: store, Log: log})
	return &site{t: t, srv: srv, api: api, store: store, engine: engine, clock: clock, index: index, start: start}
}

// apiRoutes is the API's route table, which read-only mode refuses its
// writes by.
var apiRoutes = func() *route.Table {
	t, err := route.NewTable(api.Routes())
	if err != nil {
		panic(err)
	}
	return t
}()

// siteRoutes is the whole site's route table, which admission control
// and the waiting room go by.
var siteRoutes = func() *route.Table {
	t, err := route.NewTable(Routes(), api.Routes())
	if err != nil {
		panic(err)
	}
	return t
}()

// mounted serves the pages and the API side by side, each behind its own
// middleware, as the binary does (cmd/rdv's mount).
func (s *site) mounted() http.Handler {
	mux := http.NewServeMux()
	a := s.api
	if a == nil {
		a = http.NotFoundHandler()
	}
	a = s.srv.API(a, apiRoutes)
	mux.Handle("/api/", a)
	mux.Handle("GET /healthz", a)
	mux.Handle("GET /readyz", a)
	mux.Handle("/", s.srv)
	return mux
}

// answer is a response with its body read.
type answer struct {
	*http.Response
	body string
}

// do sends one request the way a browser would, from one address, with
// the language cookie if any and the cookies given.
func (s *site) do(method, target string, form url.Values, lang string, cookies ...*http.Cookie) answer {
	s.t.Helper()
	var body io.Reader
	// A browser posts its forms with their CSRF token; a test that sets
	// the "csrf" field itself (even to "") checks the refusal.
	_, ownToken := form["csrf"]
	autoToken := form != nil && !ownToken && !strings.HasPrefix(target, "/api/")
	if autoToken {
		form = cloneValues(form)
		form.Set("csrf", testCSRFField)
	}
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	if autoToken {
		r.AddCookie(&http.Cookie{Name: csrfCookieName, Value: testCSRFToken})
	}
	r.RemoteAddr = "192.0.2.10:40000"
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if lang != "" {
		r.AddCookie(&http.Cookie{Name: langCookie, Value: lang})
	}
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	s.mounted().ServeHTTP(w, r)
	res := w.Result()
	res.Request = r
	b, _ := io.ReadAll(res.Body)
	return answer{res, string(b)}
}

// testCSRFToken is the browser ID of test posts, as long as a real one,
// and testCSRFField the form token the test servers, all made with
// testSecret, bind to it.
var (
	testSecret    = []byte(strings.Repeat("s", 32))
	testCSRFToken = strings.Repeat("t", 43)
	testCSRFField = func() string {
		key, err := auth.FormKey(testSecret)
		if err != nil {
			panic(err)
		}
		return auth.MAC(key, "browser", testCSRFToken)
	}()
)

func cloneValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

func (s *site) get(target, lang string) answer {
	s.t.Helper()
	return s.do(http.MethodGet, target, nil, lang)
}

func (s *site) post(target string, form url.Values, lang string) answer {
	s.t.Helper()
	return s.do(http.MethodPost, target, form, lang)
}

// sentBack follows a form sent back with messages (post/redirect/get):
// the post answers 303 to the form's own page, whose GET, with the
// cookies the post set, shows what was typed and every message.
func (s *site) sentBack(a answer, lang string) answer {
	s.t.Helper()
	a.want(s.t, http.StatusSeeOther)
	loc := a.location(s.t)
	if loc != a.Request.URL.Path {
		s.t.Fatalf("%s %s: sent to %s, want the form's own page", a.Request.Method, a.Request.URL, loc)
	}
	return s.do(http.MethodGet, loc, nil, lang, a.Cookies()...).want(s.t, http.StatusOK)
}

// want fails the test unless the answer has the status.
func (a answer) want(t testing.TB, status int) answer {
	t.Helper()
	if a.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d\n%s", a.Request.Method, a.Request.URL, a.StatusCode, status, a.body)
	}
	return a
}

// location returns where a redirect points.
func (a answer) location(t testing.TB) string {
	t.Helper()
	loc := a.Header.Get("Location")
	if loc == "" {
		t.Fatalf("no Location in answer %d", a.StatusCode)
	}
	return loc
}

// contains fails the test unless the body holds every string, as markup
// or as text that html/template escaped.
func (a answer) contains(t testing.TB, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(a.body, w) && !strings.Contains(a.body, htmlText(w)) {
			t.Errorf("page %s lacks %q", a.Request.URL.Path, w)
		}
	}
}

// htmlText escapes s as the templates do in text.
func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "'", "&#39;", "<", "&lt;", ">", "&gt;", `"`, "&#34;").Replace(s)
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// firstSlotForm returns the hidden fields of the first slot's form on a
// results page.
func firstSlotForm(t testing.TB, page string) url.Values {
	t.Helper()
	i := strings.Index(page, `action="/reserver"`)
	if i < 0 {
		t.Fatalf("no slot to choose on the results page")
	}
	end := strings.Index(page[i:], "</form>")
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(page[i:i+end], -1) {
		v.Set(m[1], unescape(m[2]))
	}
	v.Del("csrf") // the page issued it to a browser with cookies; do adds its own
	return v
}

func unescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#39;", "'", "&#34;", `"`, "&lt;", "<", "&gt;", ">").Replace(s)
}

// hiddenValue returns the value of a hidden field of a page.
func hiddenValue(t testing.TB, page, name string) string {
	t.Helper()
	for _, m := range hiddenRE.FindAllStringSubmatch(page, -1) {
		if m[1] == name {
			return unescape(m[2])
		}
	}
	t.Fatalf("no hidden field %s", name)
	return ""
}

// searchQuery is a search near Montréal over the test network's days.
func (s *site) searchQuery() string {
	return "/recherche?" + url.Values{
		"service": {"general"}, "lieu": {"Montréal"}, "rayon": {"25"},
		"du": {s.start.String()}, "au": {s.start.AddDays(2).String()},
	}.Encode()
}

// holdFirst searches, holds the first slot found and returns the booking
// form's URL.
func (s *site) holdFirst(lang string) string {
	s.t.Helper()
	res := s.get(s.searchQuery(), lang).want(s.t, http.StatusOK)
	loc := s.post("/reserver", firstSlotForm(s.t, res.body), lang).want(s.t, http.StatusSeeOther).location(s.t)
	if !strings.HasPrefix(loc, "/reservation/") {
		s.t.Fatalf("hold redirects to %s", loc)
	}
	return loc
}

// adult is a valid patient as the booking form sends it.
func adult(lang string) url.Values {
	return url.Values{
		"first_name":    {"Julie"},
		"last_name":     {"Tremblay-O'Neil"},
		"birth_date":    {"1990-05-17"},
		"health_number": {"TREJ 9055 1712"},
		"phone":         {"514 555-0199"},
		"email":         {""},
		"language":      {lang},
	}
}

// storetestSlots returns the slots the site was loaded with and the
// patient booked in each.
func storetestSlots(s *site) ([]rdv.Slot, []int64) {
	return storetest.Slots(storetest.SmallNetwork(s.start))
}
