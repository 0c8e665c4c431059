package admission

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// newController returns a controller over cfg changed by edit, with a
// clock frozen so that token buckets never refill during a test.
func newController(t *testing.T, edit func(*Config)) *Controller {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Classify, cfg.Format = testClassify, testFormat
	frozen := time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC)
	cfg.Now = func() time.Time { return frozen }
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg, prometheus.NewRegistry(), nil)
	if err != nil {
		t.Fatalf("new controller: %v", err)
	}
	return c
}

func do(t *testing.T, h http.Handler, method, target string, edit func(*http.Request)) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	if edit != nil {
		edit(r)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })

// TestClassifyComesFromConfig: the class is the configured function's,
// whatever the path, and a nil function makes everything browsing.
func TestClassifyComesFromConfig(t *testing.T) {
	var asked atomic.Int64
	c := newController(t, func(cfg *Config) {
		cfg.InitialLimit, cfg.MinLimit, cfg.MaxLimit = 1, 1, 1
		cfg.MaxQueue = 1 // only a confirmation may wait
		cfg.Classify = func(r *http.Request) Class {
			asked.Add(1)
			if r.URL.Path == "/anything/critical" || r.URL.Query().Get("block") != "" {
				return Critical
			}
			return Search
		}
	})
	h, unblock := saturate(t, c, "/somewhere")
	defer unblock()
	// A confirmation may queue behind the saturated limit; a search may
	// not, though its path is the one the test classify calls critical
	// only by name.
	if w := do(t, h, "GET", "/api/v1/appointments", nil); w.Code != http.StatusServiceUnavailable {
		t.Errorf("a path classed as search under saturation: %d, want 503", w.Code)
	}
	if asked.Load() != 2 {
		t.Errorf("classify asked %d times, want 2", asked.Load())
	}
	s := c.Snapshot()
	if s.Classes[Search].Shed != 1 || s.Classes[Critical].Admitted != 1 {
		t.Errorf("classes %+v, want one search shed and one critical admitted", s.Classes)
	}
	nilClassify := newController(t, func(cfg *Config) { cfg.Classify = nil })
	w := do(t, nilClassify.Middleware(ok), "GET", "/healthz", nil)
	if w.Code != http.StatusOK || nilClassify.Snapshot().Classes[Browse].Admitted != 1 {
		t.Errorf("without a classify function /healthz was not admitted as browsing: %d %+v", w.Code, nilClassify.Snapshot().Classes)
	}
}

// saturate holds one admitted request of class c inside the handler until
// the returned function is called.
func saturate(t *testing.T, c *Controller, path string) (http.Handler, func()) {
	t.Helper()
	entered, leave := make(chan struct{}), make(chan struct{})
	h := c.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("block") != "" {
			entered <- struct{}{}
			<-leave
		}
	}))
	done := make(chan struct{})
	go func() {
		defer close(done)
		do(t, h, "POST", path+"?block=1", nil)
	}()
	<-entered
	return h, func() { close(leave); <-done }
}

func TestProbesAndOperatorsAreNeverShed(t *testing.T) {
	c := newController(t, func(cfg *Config) {
		cfg.InitialLimit, cfg.MinLimit, cfg.MaxLimit = 1, 1, 1
		cfg.MaxQueue = 1 // only a confirmation may wait
		cfg.Operator = func(*http.Request) bool { return true }
	})
	h, unblock := saturate(t, c, "/api/v1/appointments")
	defer unblock()
	for _, p := range []string{"/healthz", "/readyz", "/operateur"} {
		if w := do(t, h, "GET", p, nil); w.Code != http.StatusOK {
			t.Errorf("%s under saturation: %d, want 200", p, w.Code)
		}
	}
	if w := do(t, h, "GET", "/api/v1/slots", nil); w.Code != http.StatusServiceUnavailable {
		t.Errorf("search under saturation: %d, want 503", w.Code)
	}
}

func TestRefusalsSayWhenAndInWhichLanguage(t *testing.T) {
	c := newController(t, func(cfg *Config) {
		cfg.InitialLimit, cfg.MinLimit, cfg.MaxLimit = 1, 1, 1
		cfg.MaxQueue = 1 // only a confirmation may wait
		cfg.RetryAfter = 3 * time.Second
	})
	h, unblock := saturate(t, c, "/api/v1/appointments")
	defer unblock()
	tests := []struct {
		path, accept, wantType, wantText string
	}{
		{"/api/v1/slots", "", "application/json", "réessayez"},
		{"/api/v1/slots", "en-CA,en;q=0.9,fr;q=0.5", "application/json", "please try again"},
		{"/api/v1/slots", "fr-CA,en;q=0.8", "application/json", "réessayez"},
		{"/recherche", "", "text/html", `lang="fr"`},
		{"/recherche", "en", "text/html", `lang="en"`},
	}
	for _, tt := range tests {
		w := do(t, h, "GET", tt.path, func(r *http.Request) { r.Header.Set("Accept-Language", tt.accept) })
		if w.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s %q: %d, want 503", tt.path, tt.accept, w.Code)
		}
		if got := w.Header().Get("Retry-After"); got != "3" {
			t.Errorf("%s: Retry-After %q, want 3", tt.path, got)
		}
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, tt.wantType) {
			t.Errorf("%s: content type %q, want %s", tt.path, ct, tt.wantType)
		}
		if !strings.Contains(w.Body.String(), tt.wantText) {
			t.Errorf("%s %q: body %q lacks %q", tt.path, tt.accept, w.Body.String(), tt.wantText)
		}
		if tt.wantType == "application/json" {
			var e struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error.Code != "unavailable" || e.Error.Message == "" {
				t.Errorf("%s: JSON error %s (%v), want code unavailable with a message", tt.path, w.Body, err)
			}
		}
	}
}

func TestRateLimits(t *testing.T) {
	account := func(r *http.Request) string { return r.Header.Get("X-Account") }
	from := func(addr, acct string) func(*http.Request) {
		return func(r *http.Request) {
			r.RemoteAddr = addr + ":40000"
			if acct != "" {
				r.Header.Set("X-Account", acct)
			}
		}
	}
	type req struct {
		addr, account string
		want          int
	}
	tests := []struct {
		name string
		edit func(*Config)
		reqs []req
	}{
		{"per address", func(cfg *Config) { cfg.AddressRate, cfg.AddressBurst = 1, 2 }, []req{
			{"10.0.0.1", "", 200}, {"10.0.0.1", "", 200}, {"10.0.0.1", "", 429}, {"10.0.0.2", "", 200},
		}},
		{"per account across addresses", func(cfg *Config) { cfg.AccountRate, cfg.AccountBurst, cfg.AccountOf = 1, 2, account }, []req{
			{"10.0.0.1", "ana", 200}, {"10.0.0.2", "ana", 200}, {"10.0.0.3", "ana", 429}, {"10.0.0.3", "ben", 200}, {"10.0.0.3", "", 200},
		}},
		{"off", func(cfg *Config) { cfg.ClientLimits, cfg.AddressRate, cfg.AddressBurst = false, 1, 1 }, []req{
			{"10.0.0.1", "", 200}, {"10.0.0.1", "", 200}, {"10.0.0.1", "", 200},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newController(t, tt.edit).Middleware(ok)
			for i, rq := range tt.reqs {
				w := do(t, h, "GET", "/api/v1/slots", from(rq.addr, rq.account))
				if w.Code != rq.want {
					t.Fatalf("request %d from %s/%s: %d, want %d", i, rq.addr, rq.account, w.Code, rq.want)
				}
				if w.Code == http.StatusTooManyRequests {
					if w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), `"rate_limited"`) {
						t.Fatalf("429 without Retry-After or code: %v %s", w.Header(), w.Body)
					}
				}
			}
		})
	}
}

func TestForwardedForIsTrustedOnlyWhenConfigured(t *testing.T) {
	for _, trust := range []bool{false, true} {
		h := newController(t, func(cfg *Config) {
			cfg.AddressRate, cfg.AddressBurst, cfg.TrustForwardedFor = 1, 1, trust
		}).Middleware(ok)
		codes := []int{}
		for _, xff := range []string{"203.0.113.1", "198.51.100.7, 203.0.113.2"} {
			w := do(t, h, "GET", "/", func(r *http.Request) { r.Header.Set("X-Forwarded-For", xff) })
			codes = append(codes, w.Code)
		}
		want := 429 // one proxy address, one bucket
		if trust {
			want = 200 // two clients behind the proxy
		}
		if codes[1] != want {
			t.Errorf("trust %v: second client got %d, want %d", trust, codes[1], want)
		}
	}
}

func TestDeadlinesPropagate(t *testing.T) {
	c := newController(t, func(cfg *Config) {
		cfg.Deadline = [Exempt]time.Duration{Critical: 7 * time.Second, Hold: 5 * time.Second, Search: 3 * time.Second, Browse: 2 * time.Second}
	})
	var got time.Duration
	h := c.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dl, ok := r.Context().Deadline()
		if !ok {
			got = -1
			return
		}
		got = time.Until(dl)
	}))
	tests := []struct {
		method, path string
		want         time.Duration
	}{
		{"POST", "/api/v1/appointments", 7 * time.Second},
		{"POST", "/api/v1/holds", 5 * time.Second},
		{"GET", "/api/v1/slots", 3 * time.Second},
		{"GET", "/", 2 * time.Second},
	}
	for _, tt := range tests {
		do(t, h, tt.method, tt.path, nil)
		// The deadline is set before the handler runs, so what is left is
		// at most the budget and more than the budget of the class below.
		if got <= 0 || got > tt.want || got <= tt.want-time.Second {
			t.Errorf("%s %s: %v left, want just under %v", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestAdmissionOffAdmitsEverything(t *testing.T) {
	c := newController(t, func(cfg *Config) {
		cfg.Adaptive = false
		cfg.InitialLimit, cfg.MinLimit, cfg.MaxLimit = 1, 1, 1
	})
	h, unblock := saturate(t, c, "/api/v1/appointments")
	defer unblock()
	if w := do(t, h, "GET", "/api/v1/slots", nil); w.Code != http.StatusOK {
		t.Fatalf("search with admission off: %d, want 200", w.Code)
	}
}

func TestSnapshotAndMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	cfg := DefaultConfig()
	cfg.Classify = testClassify
	cfg.InitialLimit, cfg.MinLimit, cfg.MaxLimit = 1, 1, 1
	c, err := New(cfg, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, unblock := saturate(t, c, "/api/v1/appointments")
	do(t, h, "GET", "/api/v1/slots", nil)
	s := c.Snapshot()
	unblock()
	if s.Limit != 1 || s.InFlight != 1 {
		t.Errorf("snapshot limit %d in flight %d, want 1 and 1", s.Limit, s.InFlight)
	}
	if s.Classes[Search].Shed != 1 || s.Classes[Critical].Admitted != 1 {
		t.Errorf("snapshot classes %+v, want one search shed and one critical admitted", s.Classes)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
	}
	for _, n := range []string{"rdv_admission_requests_total", "rdv_admission_concurrency_limit", "rdv_admission_in_flight", "rdv_admission_queue_wait_seconds", "rdv_admission_queued", "rdv_admission_refusal_seconds"} {
		if !names[n] {
			t.Errorf("metric %s not registered", n)
		}
	}
}

func TestFlagsAndEnvironment(t *testing.T) {
	t.Setenv("RDV_CLIENT_LIMITS", "off")
	t.Setenv("RDV_QUEUE_MAX", "16")
	var cfg Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	if err := fs.Parse([]string{"--admission=off", "--rate-per-address=7"}); err != nil {
		t.Fatal(err)
	}
	if cfg.ClientLimits || cfg.Adaptive || cfg.AddressRate != 7 || cfg.MaxQueue != 16 {
		t.Fatalf("config %+v: want client limits and admission off, rate 7, queue 16", cfg)
	}
	if _, err := New(cfg, nil, nil); err != nil {
		t.Fatalf("new: %v", err)
	}

	t.Setenv("RDV_ADMISSION", "maybe")
	cfg.RegisterFlags(flag.NewFlagSet("serve", flag.ContinueOnError))
	if _, err := New(cfg, nil, nil); err == nil {
		t.Fatal("RDV_ADMISSION=maybe accepted, want an error")
	}
}

// With the server full, a confirmation waits for the place its
// predecessor frees instead of being refused, while a search, whose part
// of the queue is empty, is refused at once.
func TestConfirmationWaitsForAPlace(t *testing.T) {
	c := newController(t, func(cfg *Config) {
		cfg.InitialLimit, cfg.MinLimit, cfg.MaxLimit = 1, 1, 1
		cfg.MaxQueue = 1 // only a confirmation may wait
	})
	h, unblock := saturate(t, c, "/api/v1/appointments")
	got := make(chan int, 1)
	go func() { got <- do(t, h, "POST", "/api/v1/appointments", nil).Code }()
	for c.Snapshot().Queued == 0 {
		time.Sleep(time.Millisecond)
	}
	if w := do(t, h, "GET", "/api/v1/slots", nil); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("search with the queue's share full: %d, want 503", w.Code)
	}
	unblock()
	if code := <-got; code != http.StatusOK {
		t.Fatalf("queued confirmation: %d, want 200", code)
	}
	if s := c.Snapshot(); s.Classes[Critical].Admitted != 2 || s.Classes[Search].Shed != 1 || s.Queued != 0 {
		t.Fatalf("snapshot %+v: want two confirmations admitted, one search shed, none queued", s)
	}
}

// An operators' page skips the limit only for a verified operator: 80
// anonymous requests with a made-up session cookie, under a saturated
// limit, are refused like any browsing, and the check that runs before
// admission is the configured one (no session look-up).
func TestOperatorPathsNeedAVerifiedOperator(t *testing.T) {
	var checked, verified atomic.Int64
	c := newController(t, func(cfg *Config) {
		cfg.InitialLimit, cfg.MinLimit, cfg.MaxLimit = 1, 1, 1
		cfg.MaxQueue = 1
		cfg.ClientLimits = false
		cfg.Operator = func(r *http.Request) bool {
			checked.Add(1)
			pass, err := r.Cookie("pass")
			ok := err == nil && pass.Value == "signed"
			if ok {
				verified.Add(1)
			}
			return ok
		}
	})
	h, unblock := saturate(t, c, "/api/v1/appointments")
	defer unblock()
	refused := 0
	for i := range 80 {
		w := do(t, h, "GET", fmt.Sprintf("/operateur/charge?n=%d", i), func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: "rdv_session", Value: fmt.Sprintf("made-up-%d", i)})
			r.AddCookie(&http.Cookie{Name: "pass", Value: "forged"})
		})
		if w.Code == http.StatusServiceUnavailable {
			refused++
		}
	}
	if refused != 80 {
		t.Errorf("%d of 80 anonymous requests to /operateur refused under saturation, want all", refused)
	}
	w := do(t, h, "GET", "/operateur/charge", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "pass", Value: "signed"}) })
	if w.Code != http.StatusOK {
		t.Errorf("verified operator under saturation: %d, want 200", w.Code)
	}
	// The pass is looked at only on operators' pages.
	if w := do(t, h, "GET", "/recherche", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "pass", Value: "signed"}) }); w.Code != http.StatusServiceUnavailable {
		t.Errorf("an operator's search under saturation: %d, want 503 like anyone's", w.Code)
	}
	if checked.Load() != 81 || verified.Load() != 1 {
		t.Errorf("operator check ran %d times (%d verified), want 81 (1)", checked.Load(), verified.Load())
	}
}

// TestSlowBodyTakesNoPlace: a request whose body trickles in takes no
// place of the concurrency limit while it arrives. With one place, and
// a booking's body half sent, another client is served meanwhile; the
// booking is admitted, and its handler reads the body whole, once the
// rest has come.
func TestSlowBodyTakesNoPlace(t *testing.T) {
	c := newController(t, func(cfg *Config) {
		cfg.InitialLimit, cfg.MinLimit, cfg.MaxLimit = 1, 1, 1
		cfg.MaxQueue = 0
	})
	h := c.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_, _ = w.Write(b)
	}))
	body, send := io.Pipe()
	slow := httptest.NewRequest("POST", "/api/v1/appointments", body)
	answered := make(chan *httptest.ResponseRecorder)
	go func() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, slow)
		answered <- w
	}()
	// Once the first half is read, the request waits for the rest.
	if _, err := send.Write([]byte(`{"hold_id":`)); err != nil {
		t.Fatal(err)
	}
	if w := do(t, h, "GET", "/api/v1/slots", nil); w.Code != http.StatusOK {
		t.Fatalf("a search while a body trickles in: %d, want 200", w.Code)
	}
	if _, err := send.Write([]byte(`"h1"}`)); err != nil {
		t.Fatal(err)
	}
	send.Close()
	if w := <-answered; w.Code != http.StatusOK || w.Body.String() != `{"hold_id":"h1"}` {
		t.Fatalf("the slow booking: %d %q, want 200 and its whole body", w.Code, w.Body)
	}
}
