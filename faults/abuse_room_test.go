package faults

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
)

// The waiting room's cookies, as package waitroom names them over plain
// HTTP.
const (
	browserCookie = "rdv_wr_id"
	ticketCookie  = "rdv_wr_ticket"
	passCookie    = "rdv_wr_pass" // #nosec G101 -- a cookie's name, not a credential
)

// roomSecret is a secret for --waitroom-secret: the forger signs with it
// the tokens a leak of the secret would let anyone make (the positive
// control that a good signature is what lets in), and expired ones.
func roomSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return "fault-suite-" + hex.EncodeToString(b)
}

// roomToken signs a payload as package waitroom does (waitroom/token.go):
// base64url of the payload, a dot, base64url of the first 16 bytes of
// HMAC-SHA256(secret, payload). If that format changes, the forger's
// good pass is refused and forgeRoom fails: the test follows.
func roomToken(secret, payload string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// roomPayload returns a token's payload, unchecked.
func roomPayload(token string) string {
	p64, _, _ := strings.Cut(token, ".")
	p, _ := base64.RawURLEncoding.DecodeString(p64)
	return string(p)
}

// visitor is a browser of the waiting-room abuse: it keeps its cookies
// (or is given them, for a forgery), follows no redirect, and comes
// from a loopback address of its own.
type visitor struct {
	base string
	http *http.Client
}

func newVisitor(base string, addr byte) *visitor {
	d := &net.Dialer{Timeout: 2 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 1, addr)}}
	jar, _ := cookiejar.New(nil) // never fails without options
	return &visitor{base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		Transport:     &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 1},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// cookie returns the value of the visitor's cookie name ("": none).
func (v *visitor) cookie(name string) string {
	u, _ := url.Parse(v.base)
	for _, c := range v.http.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// roomAnswer is what the room did with a request.
type roomAnswer struct {
	status int
	code   string // the JSON API's error code: "waiting_room" while held
	page   bool   // the waiting page
	pass   bool   // the answer gave a pass
}

// get sends a GET to path with the visitor's cookies, or with exactly
// cookies when they are given (a forgery), and tells what the room did.
// A refusal for load (admission control's 503, before or behind the
// room) is sent again, ten seconds at most.
func (v *visitor) get(ctx context.Context, path string, cookies map[string]string) (roomAnswer, error) {
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		a, err := v.getOnce(ctx, path, cookies)
		if err != nil || a.status != http.StatusServiceUnavailable || a.page || a.code == "waiting_room" || time.Now().After(end) {
			return a, err
		}
	}
}

func (v *visitor) getOnce(ctx context.Context, path string, cookies map[string]string) (roomAnswer, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", v.base+path, nil)
	if err != nil {
		return roomAnswer{}, err
	}
	hc := v.http
	if cookies != nil {
		c := *v.http
		c.Jar = nil
		hc = &c
		for name, value := range cookies {
			req.AddCookie(&http.Cookie{Name: name, Value: value})
		}
	}
	res, err := hc.Do(req)
	if err != nil {
		return roomAnswer{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return roomAnswer{}, err
	}
	a := roomAnswer{status: res.StatusCode, page: strings.Contains(string(body), `id="place"`)}
	var problem struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &problem) == nil {
		a.code = problem.Error.Code
	}
	for _, c := range res.Cookies() {
		a.pass = a.pass || c.Name == passCookie && c.Value != ""
	}
	return a, nil
}

// held reports whether the room held the request: the waiting page, or
// the API's 503 waiting_room, and no pass.
func (a roomAnswer) held() bool {
	return a.status == http.StatusServiceUnavailable && (a.code == "waiting_room" || a.page) && !a.pass
}

// openRoom turns the operators' switch on in the store and waits until
// the instance at base says the room is open (its /readyz), ten seconds
// at most.
func openRoom(t *testing.T, ctx context.Context, store rdv.Store, base string) {
	t.Helper()
	if err := store.SetModes(ctx, rdv.Modes{WaitingRoom: true, SetAt: time.Now()}); err != nil {
		t.Fatalf("open the waiting room: %v", err)
	}
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res, err := http.Get(base + "/readyz") // #nosec G107 -- the test's own server
		if err == nil {
			res.Body.Close()
			if res.Header.Get("Waiting-Room") == "open" {
				return
			}
		}
		if time.Now().After(end) {
			t.Fatal("the waiting room is not open 10 s after the switch")
		}
	}
}

// heldPath is a route the room holds (new demand), cheap to answer once
// past it: the list of clinics.
const heldPath = "/api/v1/clinics"

// forgeRoom runs one round of forgeries against the open room at base,
// whose line moves only when the test moves it: a visitor draws a number,
// the line is moved up to it, and the visitor is let in with a pass;
// then a forger, with a browser id of its own, shows random, altered,
// expired and borrowed tickets and passes. Every forgery is held; the
// visitor, with its real pass, is served throughout, and so is the
// forger once it shows a pass signed with the secret (which proves that
// the refusals are the signatures', not something else's). It returns
// the forgeries tried.
func forgeRoom(t *testing.T, ctx context.Context, store rdv.Store, base, secret string, addr byte) int {
	t.Helper()
	must := func(a roomAnswer, err error) roomAnswer {
		t.Helper()
		if err != nil {
			t.Fatalf("waiting room: %v", err)
		}
		return a
	}
	// The honest visitor: arrives (an id), draws a number, waits.
	b := newVisitor(base, addr)
	if a := must(b.get(ctx, "/", nil)); !a.held() {
		t.Fatalf("a first visit while the room is open: %+v, want the waiting page", a)
	}
	if a := must(b.get(ctx, "/", nil)); !a.held() || b.cookie(ticketCookie) == "" {
		t.Fatalf("a second visit: %+v, ticket %q, want the waiting page and a ticket", a, b.cookie(ticketCookie))
	}
	ticketB, idB := b.cookie(ticketCookie), b.cookie(browserCookie)
	seqB := strings.Split(roomPayload(ticketB), "|")[1]
	if _, err := store.AdvanceWaitroom(ctx, time.Now(), 0); err != nil {
		t.Fatalf("move the line: %v", err)
	}
	for end := time.Now().Add(10 * time.Second); !must(b.get(ctx, heldPath, nil)).pass; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("the visitor whose number %s came up is not let in after 10 s", seqB)
		}
	}
	passB := b.cookie(passCookie)

	// The forger: an id of its own, then everything but a real pass.
	f := newVisitor(base, addr+1)
	if a := must(f.get(ctx, "/", nil)); !a.held() {
		t.Fatalf("the forger's first visit: %+v, want the waiting page", a)
	}
	idA := f.cookie(browserCookie)
	browserA := strings.TrimPrefix(roomPayload(idA), "b|")
	now := time.Now()
	ms := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
	flip := func(token string) string {
		// The signature's first character changed: the last carries
		// bits that decoding ignores.
		p, mac, _ := strings.Cut(token, ".")
		return p + "." + map[bool]string{true: "B", false: "A"}[mac[0] == 'A'] + mac[1:]
	}
	_, macB, _ := strings.Cut(ticketB, ".")
	_, macPassB, _ := strings.Cut(passB, ".")
	enc := func(payload string) string { return base64.RawURLEncoding.EncodeToString([]byte(payload)) }
	other := roomSecret()
	forgeries := []struct {
		what    string
		cookies map[string]string
	}{
		{"a random ticket", map[string]string{browserCookie: idA, ticketCookie: roomSecret()}},
		{"a random pass", map[string]string{browserCookie: idA, passCookie: roomSecret()}},
		{"a random browser id and pass", map[string]string{browserCookie: roomSecret(), passCookie: roomSecret()}},
		{"another browser's ticket, its number come up", map[string]string{browserCookie: idA, ticketCookie: ticketB}},
		{"another browser's pass", map[string]string{browserCookie: idA, passCookie: passB}},
		{"another browser's ticket, its signature altered", map[string]string{browserCookie: idB, ticketCookie: flip(ticketB)}},
		{"another browser's pass, its signature altered", map[string]string{browserCookie: idB, passCookie: flip(passB)}},
		{"another browser's ticket rewritten to the forger's id", map[string]string{browserCookie: idA,
			ticketCookie: enc("t|"+seqB+"|"+ms(now)+"|"+browserA) + "." + macB}},
		{"another browser's pass rewritten to the forger's id", map[string]string{browserCookie: idA,
			passCookie: enc("p|"+ms(now.Add(time.Hour))+"|"+browserA) + "." + macPassB}},
		{"another browser's pass, its expiry pushed back", map[string]string{browserCookie: idB,
			passCookie: enc("p|"+ms(now.Add(24*time.Hour))+"|"+strings.TrimPrefix(roomPayload(idB), "b|")) + "." + macPassB}},
		{"a ticket signed with another secret", map[string]string{browserCookie: idA, ticketCookie: roomToken(other, "t|1|"+ms(now)+"|"+browserA)}},
		{"a pass signed with another secret", map[string]string{browserCookie: idA, passCookie: roomToken(other, "p|"+ms(now.Add(time.Hour))+"|"+browserA)}},
		{"an expired ticket whose number came up", map[string]string{browserCookie: idA, ticketCookie: roomToken(secret, "t|"+seqB+"|"+ms(now.Add(-7*time.Hour))+"|"+browserA)}},
		{"an expired pass", map[string]string{browserCookie: idA, passCookie: roomToken(secret, "p|"+ms(now.Add(-time.Minute))+"|"+browserA)}},
		{"a ticket shown as a pass", map[string]string{browserCookie: idA, passCookie: roomToken(secret, "t|"+seqB+"|"+ms(now)+"|"+browserA)}},
	}
	for i, fg := range forgeries {
		path := heldPath
		if i%2 == 1 {
			path = "/" // the pages' room too
		}
		if a := must(f.get(ctx, path, fg.cookies)); !a.held() {
			t.Errorf("waiting room: %s (GET %s) got %+v, want the waiting page and no pass", fg.what, path, a)
		}
	}
	if a := must(b.get(ctx, heldPath, nil)); a.status != http.StatusOK {
		t.Errorf("the visitor let in, after the forgeries: %+v, want 200", a)
	}
	good := roomToken(secret, "p|"+ms(time.Now().Add(time.Hour))+"|"+browserA)
	if a := must(f.get(ctx, heldPath, map[string]string{browserCookie: idA, passCookie: good})); a.status != http.StatusOK {
		t.Errorf("a pass signed with the secret: %+v, want 200 (the forgeries' refusals prove nothing)", a)
	}
	return len(forgeries)
}

// waitingRoomAnswers counts the clients' attempts the room held: a
// client with a pass is never held.
func waitingRoomAnswers(o outcome) int {
	n := 0
	for _, e := range o.entries {
		if e.Outcome.Code == "waiting_room" {
			n++
		}
	}
	return n
}
