package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"rdv"
)

// addressHolds is the live holds one address may have: rdv serve's
// default, which the abuse run keeps.
const addressHolds = 50

// TestAbuse lets clients misbehave beside the patients, each from an
// address of its own, on a server with its limits on (the holds per
// address at their default; the rates raised, so that the hold cap, not
// the rate, is what stops the hoarder) and its waiting room open: the
// patients' clients are browsers that got a pass before it opened, and
// the line moves only when the test moves it. One client holds every
// slot it can; another replays idempotency keys, its own and a
// patient's, with other bodies, and cancels and reads a patient's
// appointment and request with forged tokens and with its own; another
// forges waiting-room tickets and passes and borrows another browser's;
// another guesses a patient's sign-in code, and asks codes for many
// destinations from one address. Everything they should not get is
// refused, and the patients keep booking, with nothing lost and never
// held by the room.
func TestAbuse(t *testing.T) {
	dir := t.TempDir()
	p := sqlitePlatform(t, dir)
	secret := roomSecret()
	// The hoarder's browsers may hold more between them than its address
	// may: the address's cap is the one that stops it. The room lets in
	// one number in 1,000 s: nobody is let in but by the test.
	in := newInstance(t, dir, "rdv", append(p.serveArgs(), "--client-limits", "on", "--max-live-holds", fmt.Sprint(browserHolds),
		"--max-live-holds-per-address", fmt.Sprint(addressHolds), "--rate-per-address", "1000", "--burst-per-address", "2000",
		"--waitroom-secret", secret, "--waitroom-rate", "0.001", "--waitroom-session", "2h")...)
	in.Start()
	reserved := p.net.probes
	take := func(n int) []int64 {
		s := reserved[:n]
		reserved = reserved[n:]
		return s
	}
	var hoarder, abuser, patient *client
	var hoarded []time.Time // when each of the hoarder's holds was granted
	capped := 0
	var inside <-chan struct{}
	forgeries, rounds := 0, 0
	var signin signinAbuse
	out := fault{
		name:     "abuse: hoarding holds, keys replayed with other bodies, forged and reused tokens",
		platform: p,
		targets:  []string{in.URL()},
		tune: func(w *workload) {
			w.browsing, inside = true, w.inside
			var errs [3]error
			hoarder, errs[0] = w.addClient()
			abuser, errs[1] = w.addClient()
			patient, errs[2] = w.addClient()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := hoarder.browseAs(hoarderBrowsers); err != nil {
				t.Fatal(err)
			}
		},
		strike: func(ctx context.Context, blow func()) {
			seq := 0
			next := func() int { seq++; return seq }
			op := context.WithoutCancel(ctx) // a blow goes to its end
			select {
			case <-inside: // every patient has a pass
			case <-ctx.Done():
				return
			}
			store, err := p.open(op)
			if err != nil {
				t.Fatalf("open the database beside the server: %v", err)
			}
			defer store.Close()
			openRoom(t, op, store, in.URL())
			every(ctx, killEvery(), func() {
				// The hoarder holds what it can: more than the cap at first,
				// then a few more each time.
				n := 10
				if len(hoarded) == 0 {
					n += addressHolds
				}
				if len(reserved) < n+3 {
					return // a long run's blows have used every reserved slot
				}
				blow()
				for _, s := range take(n) {
					if _, ok := hoarder.hold(op, next(), s); ok {
						hoarded = append(hoarded, hoarder.last.Answered)
					} else if code := hoarder.last.Outcome.Code; code != rdv.ETOOMANYHOLDS {
						t.Errorf("the hoarder's hold of slot %d: %+v, want %s once over the cap", s, hoarder.last.Outcome, rdv.ETOOMANYHOLDS)
					} else {
						capped++
					}
				}
				abuse(t, op, take(3), next, abuser, patient)
				forgeries += forgeRoom(t, op, store, in.URL(), secret, 60)
				bruteForceSignIn(t, op, store, in.URL(), fmt.Sprintf("victime-%d@exemple.ca", rounds), 70, rounds == 0, &signin)
				rounds++
			})
		},
		settle: func() {
			in.waitSpoolReplayed()
			in.Stop()
		},
	}.run(t)
	if n := waitingRoomAnswers(out); n > 0 {
		t.Errorf("the waiting room held %d of the clients' attempts: a client with a pass is let in", n)
	}
	if signin.guessed == 0 || signin.tries != signin.guessed*(rdv.SignInCodeTries+1) || signin.capped == 0 {
		t.Errorf("sign-in abuse: %d codes guessed at, %d guesses refused, %d codes refused to an address; want each code's %d tries and the right code refused, and an address capped",
			signin.guessed, signin.tries, signin.capped, rdv.SignInCodeTries)
	}
	// A hold lasts five minutes: those granted in the five minutes up to
	// any grant are all live then.
	most := 0
	for i, at := range hoarded {
		live := 0
		for _, b := range hoarded[:i+1] {
			if at.Sub(b) < 5*time.Minute {
				live++
			}
		}
		most = max(most, live)
	}
	if most > addressHolds {
		t.Errorf("the hoarder held %d slots at once, over the %d an address may hold", most, addressHolds)
	}
	if capped == 0 {
		t.Error("the hoarder was never refused: the cap was not reached")
	}
	t.Logf("the hoarder got %d holds (%d at most at once), and %d refusals; %d waiting-room forgeries held over %d rounds; "+
		"%d sign-in codes guessed at (%d guesses refused), %d codes refused to an address", len(hoarded), most, capped, forgeries, rounds,
		signin.guessed, signin.tries, signin.capped)
}

// browserHolds is the live holds one browser may have: the hoarder's
// hoarderBrowsers may hold more between them than its address may.
const (
	browserHolds    = 30
	hoarderBrowsers = 2
)

// browseAs makes the client n browsers, each with its waiting-room pass,
// and sends each request with the next one's cookies: a hoarder that
// spreads its holds over browsers to get past the cap of one.
func (c *client) browseAs(n int) error {
	b := &browsers{}
	for range n {
		jar, _ := cookiejar.New(nil) // never fails without options
		hc := *c.http
		hc.Jar = jar
		target := c.w.targets[c.target]
		if err := enterRoom(context.Background(), &hc, target); err != nil {
			return fmt.Errorf("the hoarder's browsers: %w", err)
		}
		u, _ := url.Parse(target)
		b.sets = append(b.sets, jar.Cookies(u))
	}
	c.http.Jar = b
	return nil
}

// browsers is a cookie jar that sends each request with the next
// browser's cookies and keeps none it is given.
type browsers struct {
	mu   sync.Mutex
	sets [][]*http.Cookie
	next int
}

func (b *browsers) SetCookies(*url.URL, []*http.Cookie) {}

func (b *browsers) Cookies(*url.URL) []*http.Cookie {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.next++
	return b.sets[b.next%len(b.sets)]
}

// abuse books one slot for patient and one for abuser, who then tries
// what it should not be able to do with the patient's booking and
// request, and with its own key.
func abuse(t *testing.T, ctx context.Context, slots []int64, next func() int, abuser, patient *client) {
	t.Helper()
	refused := func(what string, status int, want ...int) {
		t.Helper()
		for _, w := range want {
			if status == w {
				return
			}
		}
		t.Errorf("%s: status %d, want %v", what, status, want)
	}
	victimHold, ok := patient.hold(ctx, next(), slots[0])
	if !ok {
		t.Fatalf("the patient's hold: %+v", patient.last.Outcome)
	}
	victimHoldKey := patient.last.Key
	victim, victimToken, ok := patient.book(ctx, next(), slots[0], victimHold)
	if !ok {
		t.Fatalf("the patient's booking: %+v", patient.last.Outcome)
	}
	victimBookKey := patient.last.Key
	ownHold, ok := abuser.hold(ctx, next(), slots[1])
	if !ok {
		t.Fatalf("the abuser's hold: %+v", abuser.last.Outcome)
	}
	bookSeq := next()
	_, ownToken, ok := abuser.book(ctx, bookSeq, slots[1], ownHold)
	if !ok {
		t.Fatalf("the abuser's booking: %+v", abuser.last.Outcome)
	}

	// Its own booking's key, sent again for another hold and patient.
	otherHold, ok := abuser.hold(ctx, next(), slots[2])
	if !ok {
		t.Fatalf("the abuser's second hold: %+v", abuser.last.Outcome)
	}
	if _, _, ok := abuser.book(ctx, bookSeq, slots[2], otherHold); ok {
		t.Error("a booking's key sent again with another body booked")
	}
	refused("a booking's key sent again with another body", abuser.last.Outcome.Status, http.StatusUnprocessableEntity)
	// The hold is booked after all, with a key of its own, so that the
	// abuser's live holds (a browser's are capped) do not pile up.
	defer func() {
		if _, _, ok := abuser.book(ctx, next(), slots[2], otherHold); !ok {
			t.Errorf("the abuser's second hold, booked with a key of its own: %+v", abuser.last.Outcome)
		}
	}()
	// The patient's keys, with the abuser's bodies, from its address.
	// A hold's key is bound to who sent it: the patient's key with the
	// same body is another body, never a replay of the patient's hold.
	refused("the patient's hold key sent by another for the slot it holds", abuser.sendKeyed(ctx, victimHoldKey, "/api/v1/holds",
		fmt.Sprintf(`{"slot_id":%d}`, slots[0])), http.StatusUnprocessableEntity, http.StatusConflict)
	person, _ := abuser.patient()
	body, err := json.Marshal(map[string]any{"hold_id": otherHold, "patient": person})
	if err != nil {
		t.Fatal(err)
	}
	refused("the patient's booking key sent by another for its own hold", abuser.sendKeyed(ctx, victimBookKey, "/api/v1/appointments", string(body)),
		http.StatusUnprocessableEntity)

	// The patient's appointment, with a forged token and with the
	// abuser's own.
	for _, token := range []string{"forged-" + victimToken[:4], ownToken} {
		if abuser.cancel(ctx, next(), victim, token) {
			t.Errorf("the patient's appointment %d cancelled with another's token", victim)
		}
		refused("a cancellation with another's token", abuser.last.Outcome.Status, http.StatusNotFound, http.StatusForbidden)
		refused("a read with another's token", abuser.get(ctx, fmt.Sprintf("/api/v1/appointments/%d?token=%s", victim, url.QueryEscape(token))),
			http.StatusNotFound, http.StatusForbidden)
	}

	// The patient's request, with a forged token and with the abuser's
	// own request's.
	ref, token := patient.filed(ctx)
	_, ownRequestToken := abuser.filed(ctx)
	if ref == "" || token == "" || ownRequestToken == "" {
		t.Fatalf("requests refused: %+v %+v", patient.last.Outcome, abuser.last.Outcome)
	}
	// A request reaches the database a moment after its answer (the
	// spool): the patient reads it first, then the abuser tries.
	readable := func() bool {
		return patient.get(ctx, "/api/v1/requests/"+ref+"?token="+url.QueryEscape(token)) == http.StatusOK
	}
	for end := time.Now().Add(10 * time.Second); !readable(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("the patient's request %s cannot be read 10 s after it was accepted", ref)
		}
	}
	for _, forged := range []string{"forged-" + token[:4], ownRequestToken} {
		refused("a request read with another's token", abuser.get(ctx, "/api/v1/requests/"+ref+"?token="+url.QueryEscape(forged)),
			http.StatusNotFound, http.StatusForbidden)
		refused("a request withdrawn with another's token", abuser.sendKeyed(ctx, "", "/api/v1/requests/"+ref+"/withdraw",
			fmt.Sprintf(`{"token":%q}`, forged)), http.StatusNotFound, http.StatusForbidden)
	}
	if !readable() {
		t.Error("the patient cannot read the request after the abuse")
	}
}

// sendKeyed posts body with an idempotency key ("": none), logging
// nothing, and returns the status (0: no answer). A refusal for load
// (503) is sent again, as a client does, for ten seconds.
func (c *client) sendKeyed(ctx context.Context, key, path, body string) int {
	return untilServed(func() int {
		req, err := http.NewRequestWithContext(ctx, "POST", c.w.targets[c.target]+path, strings.NewReader(body))
		if err != nil {
			return 0
		}
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		res, err := c.http.Do(req)
		if err != nil {
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	})
}

// get returns the status of a GET (0: no answer), sent again while it
// is refused for load, as sendKeyed.
func (c *client) get(ctx context.Context, path string) int {
	return untilServed(func() int {
		req, err := http.NewRequestWithContext(ctx, "GET", c.w.targets[c.target]+path, nil)
		if err != nil {
			return 0
		}
		res, err := c.http.Do(req)
		if err != nil {
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	})
}

// untilServed sends a request again while it is refused for load (503),
// ten seconds at most, and returns the last status.
func untilServed(send func() int) int {
	status := send()
	for end := time.Now().Add(10 * time.Second); status == http.StatusServiceUnavailable && time.Now().Before(end); status = send() {
		time.Sleep(100 * time.Millisecond)
	}
	return status
}
