package waitroom

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rdv"
	"rdv/admission"
	"rdv/sqlite"
)

// clock is a settable time for the room.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.now = t; c.mu.Unlock() }
func newClock() *clock               { return &clock{now: time.Date(2031, time.March, 3, 14, 0, 0, 0, time.UTC)} }
func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "page") })
}
func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
func secret(b byte) []byte   { return []byte(strings.Repeat(string(rune('a'+b)), 32)) }
func mustStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "rdv.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fixture is a room over a real SQLite store, open by the operators'
// switch, admitting one visitor per second on a clock the test moves.
type fixture struct {
	t     *testing.T
	store *sqlite.Store
	clock *clock
	room  *Room
	h     http.Handler
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	f := &fixture{t: t, store: mustStore(t), clock: newClock()}
	if cfg.Secret == nil {
		cfg.Secret = secret(0)
	}
	if cfg.PerSecond == 0 {
		cfg.PerSecond = 1
	}
	if cfg.Session == 0 {
		cfg.Session = 10 * time.Minute
	}
	cfg.Now = f.clock.Now
	if cfg.Format == nil {
		cfg.Format = testFormat
	}
	if cfg.Through == nil {
		cfg.Through = testThrough
	}
	room, err := New(f.store, f.store, cfg, nil, quietLog())
	if err != nil {
		t.Fatalf("new room: %v", err)
	}
	f.room, f.h = room, room.Middleware(okHandler())
	if err := f.store.SetModes(t.Context(), rdv.Modes{WaitingRoom: true}); err != nil {
		t.Fatalf("open the room: %v", err)
	}
	f.step()
	return f
}

// step runs one tick of the room at the clock's time.
func (f *fixture) step() { f.t.Helper(); f.room.Step(f.t.Context()) }

// browser keeps cookies the way a browser does.
type browser struct {
	f       *fixture
	cookies map[string]string
}

func (f *fixture) browser() *browser { return &browser{f: f, cookies: map[string]string{}} }

func (b *browser) get(path string) *httptest.ResponseRecorder {
	b.f.t.Helper()
	return b.do(http.MethodGet, path)
}

// do sends a request as a browser does: on a first visit to the open
// room it follows the arrival page (which only hands out the browser id)
// straight away, as its refresh would a second later.
func (b *browser) do(method, path string) *httptest.ResponseRecorder {
	b.f.t.Helper()
	_, had := b.cookies[browserCookie]
	rec := b.once(method, path)
	if _, has := b.cookies[browserCookie]; !had && has && rec.Code != http.StatusOK {
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" || b.cookies[ticketCookie] != "" {
			b.f.t.Fatalf("first visit: status %d, Retry-After %q, ticket %q; want the arrival page without a number",
				rec.Code, rec.Header().Get("Retry-After"), b.cookies[ticketCookie])
		}
		rec = b.once(method, path)
	}
	return rec
}

func (b *browser) once(method, path string) *httptest.ResponseRecorder {
	b.f.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	rec := httptest.NewRecorder()
	b.f.h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return rec
}

// seq returns the number inside the browser's ticket.
func (b *browser) seq() int64 {
	b.f.t.Helper()
	t, ok := b.f.room.sign.readTicket(b.cookies[ticketCookie])
	if !ok {
		b.f.t.Fatalf("the browser holds no valid ticket (cookies %v)", b.cookies)
	}
	return t.Seq
}

func admitted(rec *httptest.ResponseRecorder) bool {
	return rec.Code == http.StatusOK && rec.Body.String() == "page"
}

func TestOrderAndAdmission(t *testing.T) {
	f := newFixture(t, Config{})
	var bs []*browser
	for i := range 4 {
		b := f.browser()
		rec := b.get("/recherche")
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("visitor %d: status %d, Retry-After %q; want the waiting page", i, rec.Code, rec.Header().Get("Retry-After"))
		}
		if !strings.Contains(rec.Body.String(), `id="place" role="status" data-next=`) || !strings.Contains(rec.Body.String(), aheadFR(i)) {
			t.Fatalf("visitor %d's page does not refresh itself or show %d ahead:\n%s", i, i, rec.Body)
		}
		if i > 0 && b.seq() <= bs[i-1].seq() {
			t.Fatalf("a later visitor got number %d, not after %d", b.seq(), bs[i-1].seq())
		}
		bs = append(bs, b)
	}
	// Two seconds at one per second: the first two come in, in order.
	f.clock.Add(2 * time.Second)
	f.step()
	for i, b := range bs {
		rec := b.get("/recherche")
		if want := i < 2; admitted(rec) != want {
			t.Fatalf("visitor %d (number %d): admitted %v, want %v", i, b.seq(), admitted(rec), want)
		}
	}
	// The admitted browse on their pass, without their ticket.
	if _, ok := bs[0].cookies[ticketCookie]; ok {
		t.Fatal("an admitted browser keeps its ticket")
	}
	if rec := bs[0].get("/recherche/clinique/1"); !admitted(rec) {
		t.Fatalf("an admitted visitor's next page: status %d", rec.Code)
	}
	if rec := bs[3].get("/recherche"); !strings.Contains(rec.Body.String(), aheadFR(1)) {
		t.Fatalf("the fourth visitor should have one person ahead:\n%s", rec.Body)
	}
}

// A client that keeps no cookies never draws a number: it costs no write
// and takes no place in line that nobody would redeem. A made-up browser
// id counts as none. A browser that comes back draws one number, and gets
// the same one back if it drops its ticket.
func TestFirstVisitDrawsNoNumber(t *testing.T) {
	f := newFixture(t, Config{})
	issued := func() int64 {
		t.Helper()
		st, err := f.store.WaitroomState(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return st.Issued
	}
	madeUp := base64.RawURLEncoding.EncodeToString(make([]byte, 16))
	for i, cookie := range []string{"", madeUp, "b|" + madeUp, f.room.sign.ticket(1, f.clock.Now(), madeUp)} {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/slots", nil)
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: browserCookie, Value: cookie})
		}
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" || !strings.Contains(rec.Body.String(), `"ticket":0`) {
			t.Fatalf("client %d: status %d, Retry-After %q, body %s; want to come back in a second, without a number", i, rec.Code, rec.Header().Get("Retry-After"), rec.Body)
		}
	}
	if n := issued(); n != 0 {
		t.Fatalf("%d numbers drawn for clients that never came back", n)
	}
	b := f.browser()
	b.get("/")
	seq := b.seq()
	delete(b.cookies, ticketCookie)
	b.once(http.MethodGet, "/")
	if b.seq() != seq || issued() != 1 {
		t.Fatalf("a browser that dropped its ticket got number %d (had %d), %d drawn; want its own back", b.seq(), seq, issued())
	}
}

// The arrival page refreshes to a marked address; a browser that comes
// back there without the id it was given keeps no cookies, and is told so
// rather than left on a page that never moves. One that keeps them draws
// its number there as anywhere.
func TestBrowsersWithoutCookiesAreTold(t *testing.T) {
	f := newFixture(t, Config{})
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/recherche?service=general", nil))
	m := regexp.MustCompile(`data-next="([^"]+)" data-after="1"`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("the arrival page does not refresh to a marked address:\n%s", rec.Body)
	}
	back := html.UnescapeString(m[1])
	if !strings.HasPrefix(back, "/recherche?") || !strings.Contains(back, returnParam+"=1") || !strings.Contains(back, "service=general") {
		t.Fatalf("refresh address %q: want the same page, marked", back)
	}
	rec = httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, back, nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "30" || !strings.Contains(rec.Body.String(), "Autorisez les témoins") {
		t.Fatalf("back without cookies: status %d, Retry-After %q:\n%s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	b := f.browser()
	b.once(http.MethodGet, "/recherche")
	if rec := b.once(http.MethodGet, back); rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), aheadFR(0)) {
		t.Fatalf("back with cookies: want a place in line:\n%s", rec.Body)
	}
}

func TestForgedTicketsAndPassesAreRefused(t *testing.T) {
	f := newFixture(t, Config{})
	first := f.browser()
	first.get("/")
	b := f.browser()
	b.get("/")
	seq := b.seq()
	// Editing the number inside the ticket breaks its signature.
	parts := strings.SplitN(b.cookies[ticketCookie], ".", 2)
	payload, _ := base64.RawURLEncoding.DecodeString(parts[0])
	forged := strings.Replace(string(payload), "|"+itoa(seq)+"|", "|1|", 1)
	b.cookies[ticketCookie] = base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + parts[1]
	f.clock.Add(time.Second)
	f.step() // number 1 comes up
	if rec := b.get("/"); admitted(rec) {
		t.Fatal("a ticket edited to number 1 was let in")
	}
	if b.seq() != seq {
		t.Fatalf("the forger should get back its own number %d, no better, got %d", seq, b.seq())
	}
	// A pass signed with another secret is worthless.
	other := signer{secret(1)}
	c := f.browser()
	c.get("/")
	c.cookies[passCookie] = other.pass(f.clock.Now().Add(time.Hour), c.cookies[browserCookie])
	if rec := c.get("/"); admitted(rec) {
		t.Fatal("a pass signed with another secret was accepted")
	}
	// A ticket shown as a pass is refused: the kind is signed.
	d := f.browser()
	d.get("/")
	d.cookies[passCookie] = d.cookies[ticketCookie]
	if rec := d.get("/"); admitted(rec) {
		t.Fatal("a ticket was accepted as a pass")
	}
}

// aheadFR is what the French page says with n people ahead.
func aheadFR(n int) string {
	if n == 0 {
		return "Vous êtes le prochain"
	}
	return "Personnes devant vous : " + itoa(int64(n))
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestReplayFromAnotherBrowserIsRefused(t *testing.T) {
	f := newFixture(t, Config{})
	a := f.browser()
	a.get("/")
	f.clock.Add(time.Second)
	f.step()
	if rec := a.get("/"); !admitted(rec) {
		t.Fatalf("the first visitor was not let in: %d", rec.Code)
	}
	// Another browser copies the pass (and an old ticket) but has its
	// own id.
	thief := f.browser()
	thief.get("/")
	thief.cookies[passCookie] = a.cookies[passCookie]
	if rec := thief.get("/"); admitted(rec) {
		t.Fatal("a pass copied to another browser was accepted")
	}
	waiter := f.browser()
	waiter.get("/")
	thief2 := f.browser()
	thief2.get("/")
	own := thief2.seq()
	thief2.cookies[ticketCookie] = waiter.cookies[ticketCookie]
	// The line moves up to the waiter's number, not to the thief's own.
	f.clock.Add(time.Duration(waiter.seq()-1) * time.Second)
	f.step()
	if rec := thief2.get("/"); admitted(rec) {
		t.Fatal("a ticket copied to another browser was accepted")
	}
	if thief2.seq() != own {
		t.Fatalf("the copier should get back its own number %d, no better, has %d", own, thief2.seq())
	}
	if rec := waiter.get("/"); !admitted(rec) {
		t.Fatal("the ticket's own browser was not let in")
	}
}

func TestExpiry(t *testing.T) {
	f := newFixture(t, Config{Session: 2 * time.Minute, TicketTTL: time.Hour})
	a := f.browser()
	a.get("/")
	f.clock.Add(time.Second)
	f.step()
	if !admitted(a.get("/")) {
		t.Fatal("not admitted")
	}
	f.clock.Add(2*time.Minute + time.Second)
	rec := a.get("/")
	if admitted(rec) {
		t.Fatal("a pass past its session still lets in")
	}
	if a.seq() <= 1 {
		t.Fatalf("after the session the visitor should wait with a new number, has %d", a.seq())
	}
	// A ticket older than its TTL is replaced by a new one at the back.
	b := f.browser()
	b.get("/")
	old := b.seq()
	f.clock.Add(time.Hour + time.Minute)
	c := f.browser()
	c.get("/") // someone arrived meanwhile
	b.get("/")
	if b.seq() <= c.seq() || b.seq() == old {
		t.Fatalf("an expired ticket (%d) should be replaced behind later arrivals (%d), got %d", old, c.seq(), b.seq())
	}
}

func TestBypassAndClosedRoom(t *testing.T) {
	f := newFixture(t, Config{})
	for _, p := range []string{"/healthz", "/readyz", "/static/app.0123.css", "/operateur", "/operateur/modes", "/connexion", "/clinique", "/agent/demandes", "/demande", "/api/v1/requests"} {
		if rec := f.browser().get(p); !admitted(rec) {
			t.Errorf("%s: status %d while the room is open; it bypasses the room", p, rec.Code)
		}
	}
	for _, p := range []string{"/", "/recherche", "/api/v1/slots", "/operateurs", "/demandes", "/metrics"} {
		if rec := f.browser().get(p); admitted(rec) {
			t.Errorf("%s passed an open room without a ticket", p)
		}
	}
	if err := f.store.SetModes(t.Context(), rdv.Modes{}); err != nil {
		t.Fatal(err)
	}
	f.step()
	if rec := f.browser().get("/api/v1/slots"); !admitted(rec) || len(rec.Result().Cookies()) != 0 {
		t.Fatalf("a closed room, API client: status %d, cookies %v; want the answer and no cookie", rec.Code, rec.Result().Cookies())
	}
}

// People already on the site when the room opens carry on for the rest
// of their session; those who arrive afterwards wait; and a pass handed
// out while the room was closed ends with its session like any other.
func TestPeopleInsideWhenTheRoomOpensCarryOn(t *testing.T) {
	f := newFixture(t, Config{Session: 5 * time.Minute})
	if err := f.store.SetModes(t.Context(), rdv.Modes{}); err != nil {
		t.Fatal(err)
	}
	f.step()
	inside := f.browser()
	if rec := inside.get("/recherche"); !admitted(rec) || inside.cookies[passCookie] == "" {
		t.Fatalf("a page view in a closed room: status %d, cookies %v; want the page and a pass", rec.Code, inside.cookies)
	}
	pass := inside.cookies[passCookie]
	if inside.get("/"); inside.cookies[passCookie] != pass {
		t.Fatal("a valid pass was replaced on the next page")
	}
	if err := f.store.SetModes(t.Context(), rdv.Modes{WaitingRoom: true}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(2 * time.Minute)
	f.step()
	if rec := inside.get("/recherche/clinique/1"); !admitted(rec) {
		t.Fatalf("someone browsing before the room opened was sent to the line: status %d", rec.Code)
	}
	if rec := f.browser().get("/"); admitted(rec) {
		t.Fatal("a visitor arriving after the room opened walked in")
	}
	f.clock.Add(3*time.Minute + time.Second)
	if rec := inside.get("/"); admitted(rec) {
		t.Fatal("a pass from the closed room outlived its session")
	}
}

// TestFinishingABookingPassesTheRoom: while the room is open, by the
// operators' switch or by itself, what Config.Through lets past goes
// through without a ticket (here, finishing a booking); anything else
// waits. Which routes those are is the route table's (its tests walk
// every route).
func TestFinishingABookingPassesTheRoom(t *testing.T) {
	requests := []struct {
		method, path string
		pass         bool
	}{
		{"POST", "/api/v1/appointments", true},
		{"GET", "/api/v1/appointments/42?token=t", true},
		{"HEAD", "/api/v1/appointments/42", true},
		{"GET", "/reservation/h_0123456789abcdefABCDEF_-", true},
		{"POST", "/reservation/h_0123456789abcdefABCDEF_-", true},
		{"GET", "/reservation/h_x?lang=en", true},
		{"POST", "/rendez-vous/42/annuler", true},

		// New demand and looking around wait their turn.
		{"POST", "/reserver", false},
		{"POST", "/api/v1/holds", false},
		{"GET", "/recherche?service=general&lieu=Montr%C3%A9al", false},
		{"GET", "/api/v1/slots?service=general", false},
		{"GET", "/", false},
		{"GET", "/api/v1/appointments", false},
		{"DELETE", "/api/v1/appointments/42", false},
		{"GET", "/reservation/h_x/y", false},
		{"PUT", "/reservation/h_x", false},
	}
	for _, how := range []string{"operator", "automatic"} {
		t.Run(how, func(t *testing.T) {
			f := newFixture(t, Config{Auto: func(time.Time) bool { return how == "automatic" }})
			if how == "automatic" {
				if err := f.store.SetModes(t.Context(), rdv.Modes{}); err != nil {
					t.Fatal(err)
				}
				f.step()
			}
			if !f.room.Open(f.clock.Now()) {
				t.Fatal("the room is closed")
			}
			for _, r := range requests {
				rec := f.browser().do(r.method, r.path)
				switch {
				case r.pass && (!admitted(rec) || len(rec.Result().Cookies()) != 0):
					t.Errorf("%s %s: status %d, cookies %v; want the page, and no ticket", r.method, r.path, rec.Code, rec.Result().Cookies())
				case !r.pass && (rec.Code != http.StatusServiceUnavailable || rec.Result().Cookies() == nil):
					t.Errorf("%s %s: status %d; want the waiting page and a ticket", r.method, r.path, rec.Code)
				}
			}
		})
	}
}

func TestAPIClientsGetJSON(t *testing.T) {
	f := newFixture(t, Config{})
	f.browser().get("/")
	rec := f.browser().get("/api/v1/slots?service=general")
	var body struct {
		Error       struct{ Code string }
		WaitingRoom struct {
			Ticket, Ahead        int64
			EstimatedWaitSeconds int64 `json:"estimated_wait_seconds"`
		} `json:"waiting_room"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || body.Error.Code != "waiting_room" ||
		body.WaitingRoom.Ahead != 1 || body.WaitingRoom.EstimatedWaitSeconds != 2 {
		t.Fatalf("status %d, Retry-After %q, body %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
}

// FHIR clients waiting get an OperationOutcome in their language, with
// the place in line in words, and the status and Retry-After the API's
// clients get.
func TestFHIRClientsGetAnOperationOutcome(t *testing.T) {
	for _, tt := range []struct{ lang, text, place string }{
		{"fr", tr("fr", "api"), tr("fr", "ahead", 1)},
		{"en", tr("en", "api"), tr("en", "ahead", 1)},
	} {
		f := newFixture(t, Config{})
		f.browser().get("/")
		b := f.browser()
		b.cookies["lang"] = tt.lang
		api := b.get("/api/v1/slots?service=general")
		rec := b.get("/fhir/Slot?service-type=general")
		var oo struct {
			ResourceType, Language string
			Issue                  []struct {
				Severity, Code, Diagnostics string
				Details                     struct {
					Coding []struct{ Code string }
					Text   string
				}
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &oo); err != nil {
			t.Fatalf("%s: decode %s: %v", tt.lang, rec.Body, err)
		}
		if rec.Code != http.StatusServiceUnavailable || rec.Code != api.Code || rec.Header().Get("Retry-After") != api.Header().Get("Retry-After") ||
			rec.Header().Get("Content-Type") != admission.FHIRContentType {
			t.Fatalf("%s: status %d (API %d), Retry-After %q (API %q), type %q", tt.lang, rec.Code, api.Code,
				rec.Header().Get("Retry-After"), api.Header().Get("Retry-After"), rec.Header().Get("Content-Type"))
		}
		if oo.ResourceType != "OperationOutcome" || oo.Language != tt.lang || len(oo.Issue) != 1 || oo.Issue[0].Code != "transient" ||
			oo.Issue[0].Details.Text != tt.text || len(oo.Issue[0].Details.Coding) != 1 || oo.Issue[0].Details.Coding[0].Code != "waiting_room" ||
			!strings.HasPrefix(oo.Issue[0].Diagnostics, tt.place) {
			t.Errorf("%s: %s", tt.lang, rec.Body)
		}
	}
}

func TestEnglishPage(t *testing.T) {
	f := newFixture(t, Config{})
	b := f.browser()
	b.cookies["lang"] = "en"
	if rec := b.get("/"); !strings.Contains(rec.Body.String(), "You are next") || !strings.Contains(rec.Body.String(), `lang="en"`) {
		t.Fatalf("English page:\n%s", rec.Body)
	}
}

func TestClosingEverywhereClearsTheLine(t *testing.T) {
	f := newFixture(t, Config{})
	for range 5 {
		f.browser().get("/")
	}
	if err := f.store.SetModes(t.Context(), rdv.Modes{}); err != nil {
		t.Fatal(err)
	}
	f.step()
	f.clock.Add(time.Hour)
	f.step()
	if err := f.store.SetModes(t.Context(), rdv.Modes{WaitingRoom: true}); err != nil {
		t.Fatal(err)
	}
	f.step()
	if rec := f.browser().get("/"); !strings.Contains(rec.Body.String(), aheadFR(0)) {
		t.Fatalf("the line left over from an hour ago stands before a new visitor:\n%s", rec.Body)
	}
}

// While admission control refuses work the room lets fewer in, down to a
// fiftieth of its rate; once refusals stop, it climbs back a tenth of its
// rate per tick. Without a count of refusals it keeps its rate.
func TestPaceFollowsShedding(t *testing.T) {
	var shed atomic.Uint64
	f := newFixture(t, Config{PerSecond: 10, Shed: shed.Load})
	for range 200 {
		f.browser().get("/")
	}
	pace := func() float64 { t.Helper(); return f.room.Snapshot().Pace }
	if got := pace(); got != 10 {
		t.Fatalf("pace %g before any refusal, want the configured 10", got)
	}
	want := 10.0
	for i := range 12 {
		shed.Add(5)
		f.clock.Add(time.Second)
		f.step()
		want = max(want*paceCut, 10.0/paceFloor)
		if got := pace(); math.Abs(got-want) > 1e-9 {
			t.Fatalf("tick %d of shedding: pace %g, want %g", i, got, want)
		}
	}
	before := f.room.Snapshot().AdmittedThrough
	f.clock.Add(10 * time.Second)
	shed.Add(5)
	f.step()
	if moved := f.room.Snapshot().AdmittedThrough - before; moved > 3 {
		t.Fatalf("%d let in over 10 s at the floor pace of 0.2 a second", moved)
	}
	for i := range 12 {
		f.clock.Add(time.Second)
		f.step()
		if want := min(10.0/paceFloor+float64(i+1), 10); math.Abs(pace()-want) > 1e-9 {
			t.Fatalf("tick %d without refusals: pace %g, want %g", i, pace(), want)
		}
	}

	g := newFixture(t, Config{PerSecond: 10})
	g.clock.Add(time.Second)
	g.step()
	if got := g.room.Snapshot().Pace; got != 10 {
		t.Fatalf("without a count of refusals the pace is %g, want 10", got)
	}
}

func TestSustained(t *testing.T) {
	var shed uint64
	on := Sustained(func() uint64 { return shed }, 10*time.Second)
	t0 := newClock().Now()
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	on(at(0))
	// A three-second burst does not open the room.
	for s := 1; s <= 3; s++ {
		shed += 100
		if on(at(s)) {
			t.Fatalf("open after a %d s burst", s)
		}
	}
	for s := 4; s <= 8; s++ {
		on(at(s))
	}
	// A flood that lasts does.
	opened := 0
	for s := 9; s <= 25; s++ {
		shed += 100
		if on(at(s)) && opened == 0 {
			opened = s
		}
	}
	if opened == 0 || opened < 19 {
		t.Fatalf("opened at %d s; want once the flood from 9 s has lasted 10 s", opened)
	}
	// And it stays open until the flood has been over for a while.
	if !on(at(30)) {
		t.Fatal("closed 5 s after the flood")
	}
	if on(at(36)) {
		t.Fatal("still open 11 s after the flood")
	}
}

func TestAutomaticSwitchOpensTheRoom(t *testing.T) {
	var mu sync.Mutex
	auto := false
	f := newFixture(t, Config{Auto: func(time.Time) bool { mu.Lock(); defer mu.Unlock(); return auto }})
	if err := f.store.SetModes(t.Context(), rdv.Modes{}); err != nil {
		t.Fatal(err)
	}
	f.step()
	if !admitted(f.browser().get("/")) {
		t.Fatal("the room held a visitor back while closed")
	}
	mu.Lock()
	auto = true
	mu.Unlock()
	if admitted(f.browser().get("/")) {
		t.Fatal("the automatic switch did not open the room")
	}
}

func TestNewRefusesWeakConfig(t *testing.T) {
	s := mustStore(t)
	for name, cfg := range map[string]Config{
		"short secret": {Secret: []byte("short"), PerSecond: 1, Session: time.Minute},
		"no rate":      {Secret: secret(0), Session: time.Minute},
		"short":        {Secret: secret(0), PerSecond: 1, Session: time.Second},
	} {
		if _, err := New(s, s, cfg, nil, quietLog()); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
