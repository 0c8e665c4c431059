package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"rdv"
	"rdv/admission"
)

// countedSessions counts session look-ups in the store.
type countedSessions struct {
	rdv.Store
	lookups atomic.Int64
}

func (c *countedSessions) SessionByTokenHash(ctx context.Context, hash string, now time.Time) (rdv.Session, rdv.Account, error) {
	c.lookups.Add(1)
	return c.Store.SessionByTokenHash(ctx, hash, now)
}

// withCookies returns a request to target carrying cookies.
func withCookies(target string, cookies map[string]*http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return r
}

func TestOperatorPass(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	withStaff(t, s)
	check, err := OperatorPass(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	op := newBrowser(t, s)
	op.signIn("operator@reseau.example", testPassword).want(t, http.StatusSeeOther)
	pass := op.cookies[operatorCookieName]
	if pass == nil || !pass.HttpOnly || !check(withCookies("/operateur", op.cookies)) {
		t.Fatalf("an operator signed in without a valid pass: %+v", pass)
	}
	agent := newBrowser(t, s)
	agent.signIn("agent@reseau.example", testPassword).want(t, http.StatusSeeOther)
	if agent.cookies[operatorCookieName] != nil || check(withCookies("/operateur", agent.cookies)) {
		t.Error("an agent got an operator's pass")
	}
	forged := map[string]*http.Cookie{
		sessionCookieName:  {Name: sessionCookieName, Value: "made-up"},
		operatorCookieName: {Name: operatorCookieName, Value: "9999999999.made-up"},
	}
	if check(withCookies("/operateur", forged)) {
		t.Error("a forged pass was taken")
	}
	// The operator's pass with the agent's session: a pass is for its
	// session only.
	mixed := map[string]*http.Cookie{sessionCookieName: agent.cookies[sessionCookieName], operatorCookieName: pass}
	if check(withCookies("/operateur", mixed)) {
		t.Error("an operator's pass worked with another session")
	}
	other, _ := OperatorPass([]byte("another secret, of thirty-two bytes or more"))
	if other(withCookies("/operateur", op.cookies)) {
		t.Error("a pass signed with another secret was taken")
	}
	key, _ := operatorPassKey(testSecret)
	if validOperatorPass(key, withCookies("/operateur", op.cookies), time.Now().Add(sessionTTL+time.Minute)) {
		t.Error("a pass was taken after its session's life")
	}
	console := op.do(http.MethodGet, "/operateur", nil).want(t, http.StatusOK)
	op.post(console, "/deconnexion", url.Values{}).want(t, http.StatusSeeOther)
	if op.cookies[operatorCookieName] != nil {
		t.Error("signing out left the operator's pass")
	}
}

// Under a saturated limit, 80 anonymous requests to the operators' pages
// with a made-up session cookie are refused before any session look-up,
// and a signed-in operator still gets in.
func TestOperatorPagesUnderSaturation(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	withStaff(t, s)
	sessions := &countedSessions{Store: s.store}
	s.srv.d.Store = sessions
	op := newBrowser(t, s)
	op.signIn("operator@reseau.example", testPassword).want(t, http.StatusSeeOther)

	cfg := admission.DefaultConfig()
	cfg.InitialLimit, cfg.MinLimit, cfg.MaxLimit, cfg.MaxQueue = 1, 1, 1, 1
	cfg.ClientLimits = false
	cfg.Classify = siteRoutes.Class
	var err error
	if cfg.Operator, err = OperatorPass(testSecret); err != nil {
		t.Fatal(err)
	}
	admit, err := admission.New(cfg, prometheus.NewRegistry(), nil)
	if err != nil {
		t.Fatal(err)
	}
	entered, leave := make(chan struct{}), make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/appointments", func(w http.ResponseWriter, r *http.Request) { entered <- struct{}{}; <-leave })
	mux.Handle("/", s.srv)
	h := admit.Middleware(mux)
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/api/v1/appointments", nil))
	}()
	<-entered
	defer func() { close(leave); <-done }()

	before := sessions.lookups.Load()
	refused := 0
	for i := range 80 {
		r := httptest.NewRequest(http.MethodGet, "/operateur/charge", nil)
		r.AddCookie(&http.Cookie{Name: sessionCookieName, Value: fmt.Sprintf("made-up-session-%02d", i)})
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code == http.StatusServiceUnavailable {
			refused++
		}
	}
	if refused != 80 || sessions.lookups.Load() != before {
		t.Errorf("%d of 80 forged requests refused, %d session look-ups; want 80 and none", refused, sessions.lookups.Load()-before)
	}
	r := withCookies("/operateur", op.cookies)
	r.RemoteAddr = op.addr
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Errorf("the operator under saturation: status %d, want 200", w.Code)
	}
}
