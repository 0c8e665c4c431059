package faults

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// Paths of the patients' sign-in by code (web/account_signin.go).
const (
	signinPath = "/compte/connexion"
	codePath   = "/compte/code"
	homePath   = "/mes-rendez-vous"
)

// codesPerAddress is how many sign-in codes one address may ask in an
// hour, whatever their destinations (web's maxCodesPerAddress).
const codesPerAddress = 20

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// postForm gets the page at path as a browser does, then posts its form
// with values and the page's form token, from the visitor's address
// with extra headers, and returns the answer's status, where it leads
// and whether it opened a patient's session.
func (v *visitor) postForm(ctx context.Context, path string, values url.Values, header http.Header) (int, string, bool, error) {
	res, page, err := v.send(ctx, "GET", path, "", nil)
	if err != nil {
		return 0, "", false, err
	}
	m := csrfField.FindSubmatch(page)
	if m == nil {
		return 0, "", false, fmt.Errorf("GET %s: status %d, no form token", path, res.StatusCode)
	}
	values.Set("csrf", string(m[1]))
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	for k, vs := range header {
		h[k] = vs
	}
	if res, _, err = v.send(ctx, "POST", path, values.Encode(), h); err != nil {
		return 0, "", false, err
	}
	session := false
	for _, c := range res.Cookies() {
		session = session || c.Name == auth.PatientSessionCookie && c.Value != ""
	}
	return res.StatusCode, res.Header.Get("Location"), session, nil
}

// send sends a request with the visitor's cookies and returns the answer
// and its body, sent again while it is refused for load (503), as a
// browser's person does, ten seconds at most.
func (v *visitor) send(ctx context.Context, method, path, body string, header http.Header) (*http.Response, []byte, error) {
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		req, err := http.NewRequestWithContext(ctx, method, v.base+path, strings.NewReader(body))
		if err != nil {
			return nil, nil, err
		}
		req.Header = header.Clone()
		if req.Header == nil {
			req.Header = http.Header{}
		}
		res, err := v.http.Do(req)
		if err != nil {
			return nil, nil, err
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusServiceUnavailable || time.Now().After(end) {
			return res, b, err
		}
	}
}

// askCode asks a sign-in code for to and reports whether one was sent:
// the form leads to the code's page, or back to itself when refused.
func (v *visitor) askCode(ctx context.Context, to string, header http.Header) (bool, error) {
	status, loc, _, err := v.postForm(ctx, signinPath, url.Values{"contact": {to}}, header)
	switch {
	case err != nil:
		return false, err
	case status == http.StatusSeeOther && loc == codePath:
		return true, nil
	case status == http.StatusSeeOther && loc == signinPath:
		return false, nil
	}
	return false, fmt.Errorf("ask a code: status %d to %q", status, loc)
}

// sentCode returns the newest sign-in code sent to to after message
// after (an id), as the outbox holds it (the message's secret while it
// is queued, its text once kept), waiting ten seconds at most; and the
// message's id.
func sentCode(ctx context.Context, store rdv.Store, to string, after int64) (string, int64, error) {
	digits := regexp.MustCompile(`(?m)^\s*(\d{6})\s*$`)
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		ms, err := store.Messages(ctx, rdv.MessageFilter{Channel: rdv.ByEmail, Limit: 1000})
		if err != nil {
			return "", 0, err
		}
		for _, m := range ms {
			if m.Kind != rdv.MessageSignInCode || m.To != to || m.ID <= after {
				continue
			}
			full, err := store.Message(ctx, m.ID)
			if err != nil {
				return "", 0, err
			}
			if full.Secret != "" {
				return full.Secret, m.ID, nil
			}
			if d := digits.FindStringSubmatch(full.Body); d != nil {
				return d[1], m.ID, nil
			}
		}
		if time.Now().After(end) {
			return "", 0, fmt.Errorf("no code sent to %s 10 s after it was asked", to)
		}
	}
}

// signinAbuse is what the sign-in's abusers got over a run.
type signinAbuse struct {
	guessed int // codes guessed at, each until out of tries
	tries   int // guesses refused
	capped  int // codes refused to the guesser's or the asker's address
}

// bruteForceSignIn runs one round of abuse of the patients' sign-in at
// base, for the destination to: a guesser asks a code for it and types
// wrong codes until the code is out of tries, then the right one (read
// from the outbox), which must be refused too; an asker asks codes for
// other destinations, forging X-Forwarded-For, until its address is
// refused (the first round) or once (the others). Nobody but the
// patient signs in, and the patient's own code, asked afterwards, does.
// The addresses are guesser, guesser+1 (the asker) and guesser+2 (the
// patient).
func bruteForceSignIn(t *testing.T, ctx context.Context, store rdv.Store, base, to string, guesser byte, first bool, got *signinAbuse) {
	t.Helper()
	g := newVisitor(base, guesser)
	sent, err := g.askCode(ctx, to, nil)
	if err != nil {
		t.Fatalf("sign-in: the guesser's %v", err)
	}
	last := int64(0)
	if !sent {
		got.capped++ // the guesser's address asked its share this hour
	} else {
		code, id, err := sentCode(ctx, store, to, 0)
		if err != nil {
			t.Fatalf("sign-in: %v", err)
		}
		last = id
		got.guessed++
		for i := range rdv.SignInCodeTries + 1 {
			guess := code // the last try: the right code, out of tries
			if i < rdv.SignInCodeTries {
				n, _ := strconv.Atoi(code)
				guess = fmt.Sprintf("%06d", (n+1+i)%1_000_000)
			}
			status, loc, session, err := g.postForm(ctx, codePath, url.Values{"code": {guess}}, nil)
			switch {
			case err != nil:
				t.Fatalf("sign-in: a guess: %v", err)
			case session || loc == homePath:
				t.Errorf("sign-in: guess %d of %s's code signed in (the right code: %t): status %d to %q", i+1, to, guess == code, status, loc)
			case status != http.StatusSeeOther || loc != codePath:
				t.Errorf("sign-in: guess %d: status %d to %q, want 303 back to the code's page", i+1, status, loc)
			default:
				got.tries++
			}
		}
	}

	// The asker: many destinations from one address, its headers
	// claiming others.
	a := newVisitor(base, guesser+1)
	asks := 1
	if first {
		asks = codesPerAddress + 1
	}
	for i := range asks {
		spoof := http.Header{"X-Forwarded-For": {fmt.Sprintf("203.0.113.%d", i+1)}, "X-Real-Ip": {fmt.Sprintf("198.51.100.%d", i+1)}}
		sent, err := a.askCode(ctx, fmt.Sprintf("demande-%d-%s", i, to), spoof)
		if err != nil {
			t.Fatalf("sign-in: the asker's %v", err)
		}
		if want := first && i < codesPerAddress; sent != want {
			t.Errorf("sign-in: the asker's code %d of %d this round (first round %t): sent %t, want %t", i+1, asks, first, sent, want)
		}
		if !sent {
			got.capped++
		}
	}

	// The patient, from an address of their own, signs in with their
	// own code.
	p := newVisitor(base, guesser+2)
	if sent, err := p.askCode(ctx, to, nil); err != nil || !sent {
		t.Fatalf("sign-in: the patient's code after the abuse: sent %t, %v", sent, err)
	}
	code, _, err := sentCode(ctx, store, to, last)
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	status, loc, session, err := p.postForm(ctx, codePath, url.Values{"code": {code}}, nil)
	if err != nil || !session || loc != homePath {
		t.Errorf("sign-in: the patient's own code after the abuse: status %d to %q, session %t, %v; want 303 to %s with a session",
			status, loc, session, err, homePath)
	}
}
