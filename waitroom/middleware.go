package waitroom

import (
	"net/http"
	"time"

	"rdv/admission"
)

// Cookie names. Over TLS they carry the __Host- prefix, which browsers
// accept only when Secure, without Domain and with Path=/.
const (
	browserCookie = "rdv_wr_id"
	ticketCookie  = "rdv_wr_ticket"
	passCookie    = "rdv_wr_pass" // #nosec G101 -- a cookie's name, not a credential
)

// redeemWindow is how long after its number comes up a ticket still lets
// its browser in, measured in numbers at the admission rate. A waiting
// page refreshes far more often; a ticket kept to come back later is
// refused and its holder waits again.
const redeemWindow = 10 * time.Minute

// Middleware returns next behind the room. While the room is open, a
// request passes with a valid pass of its browser, or with a ticket whose
// number has come up (it then gets a pass); any other gets the waiting
// page, and a ticket if it had none worth keeping.
//
// A first visit draws no number: the browser gets its signed id and comes
// back a second later, and only then takes its place in line. Clients
// that keep no cookies (scripts, most floods) never come back with an id,
// so they cost no write to the database, and they take no place in line:
// the line advances by numbers, and a number nobody redeems would waste a
// turn of everyone behind it. Visitors arriving within the same second
// may swap places; the order is first come to within that second.
//
// While the room is closed, a browser viewing pages gets a pass for a
// session, so that when the room opens the people already looking for an
// appointment carry on, and only those arriving afterwards wait.
func (r *Room) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		now := r.cfg.Now()
		if r.cfg.Through(req) {
			next.ServeHTTP(w, req)
			return
		}
		if !r.Open(now) {
			if r.pageView(req) {
				r.keepInside(w, req, now)
			}
			next.ServeHTTP(w, req)
			return
		}
		bid, known := r.sign.readBrowser(cookieValue(req, browserCookie))
		if !known {
			setCookie(w, req, browserCookie, r.sign.browser(newBrowserID()), r.cfg.TicketTTL)
			if req.URL.Query().Get(returnParam) != "" && r.cfg.Format(req) == admission.Page {
				// The arrival page came back without the id it gave:
				// this browser keeps no cookies, and would wait forever.
				r.writeWaiting(w, req, 0, noCookies, 0)
				return
			}
			r.writeWaiting(w, req, 0, arriving, 0)
			return
		}
		if r.hasPass(req, bid, now) {
			next.ServeHTTP(w, req)
			return
		}
		t, ok := r.sign.readTicket(cookieValue(req, ticketCookie))
		if !ok || t.Browser != bid || !r.live(t, now) {
			// A browser that lost its ticket gets back the number it
			// drew, if this instance remembers it: one browser id draws
			// one number, not one per request.
			if t, ok = r.recall(bid, now); !ok {
				seq, err := r.tickets.IssueTicket(req.Context())
				if err != nil {
					// No number can be drawn: the visitor waits without
					// one and tries again, rather than walking past the
					// line.
					r.log.WarnContext(req.Context(), "waiting room: cannot issue a ticket", "err", err)
					r.writeWaiting(w, req, 0, noTicket, 0)
					return
				}
				t = ticket{Seq: seq, Issued: now, Browser: bid}
				r.noteIssued(seq)
				r.remember(t)
			}
			setCookie(w, req, ticketCookie, r.sign.ticket(t.Seq, t.Issued, bid), r.cfg.TicketTTL)
		}
		ahead, wait, admitted := r.place(t.Seq)
		if admitted {
			r.admit(w, req, bid, now)
			next.ServeHTTP(w, req)
			return
		}
		r.writeWaiting(w, req, t.Seq, ahead, wait)
	})
}

// pageView reports whether req is a browser loading a page: the requests
// a pass is handed out on while the room is closed. API calls from the
// site's own scripts carry the page's cookies; other API clients keep
// none, and a Set-Cookie on each of their answers would be wasted.
func (r *Room) pageView(req *http.Request) bool {
	return (req.Method == http.MethodGet || req.Method == http.MethodHead) && r.cfg.Format(req) == admission.Page
}

// keepInside gives a browser without a valid pass one for a session from
// now, with a browser id if it has none.
func (r *Room) keepInside(w http.ResponseWriter, req *http.Request, now time.Time) {
	bid, known := r.sign.readBrowser(cookieValue(req, browserCookie))
	if known {
		if r.hasPass(req, bid, now) {
			return
		}
	} else {
		bid = newBrowserID()
		setCookie(w, req, browserCookie, r.sign.browser(bid), r.cfg.TicketTTL)
	}
	setCookie(w, req, passCookie, r.sign.pass(now.Add(r.cfg.Session), bid), r.cfg.Session)
}

// hasPass reports whether req carries a pass of browser bid that is
// still good at now.
func (r *Room) hasPass(req *http.Request, bid string, now time.Time) bool {
	exp, b, ok := r.sign.readPass(cookieValue(req, passCookie))
	return ok && b == bid && now.Before(exp)
}

// Values of writeWaiting's ahead that are not a place in line.
const (
	noTicket  = -1 // no number could be drawn
	arriving  = -2 // first visit: the number is drawn on the next
	noCookies = -3 // the browser came back without the id it was given
)

// returnParam marks the arrival page's own refresh in its URL.
const returnParam = "salle"

// rememberMax bounds the numbers an instance remembers by browser; past
// it the memory starts afresh (a browser that lost its ticket then draws
// a new number, at the back).
const rememberMax = 1 << 16

// remember notes the ticket a browser drew.
func (r *Room) remember(t ticket) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.drawn == nil || len(r.drawn) >= rememberMax {
		r.drawn = make(map[string]ticket)
	}
	r.drawn[t.Browser] = t
}

// recall returns the ticket a browser drew here, if it is still live.
func (r *Room) recall(bid string, now time.Time) (ticket, bool) {
	r.mu.Lock()
	t, ok := r.drawn[bid]
	r.mu.Unlock()
	return t, ok && r.live(t, now)
}

// live reports whether a ticket may still be waited on or redeemed: not
// older than TicketTTL, and not admitted so long ago that its holder must
// have left (see redeemWindow).
func (r *Room) live(t ticket, now time.Time) bool {
	if now.Sub(t.Issued) > r.cfg.TicketTTL || t.Issued.After(now.Add(time.Minute)) {
		return false
	}
	r.mu.Lock()
	through, rate := r.state.AdmittedThrough, r.cfg.PerSecond
	r.mu.Unlock()
	return through-t.Seq <= int64(rate*redeemWindow.Seconds())
}

// admit gives the browser a pass for a session and drops its ticket, so
// that the pass, not the ticket, is what lets it in from now on.
func (r *Room) admit(w http.ResponseWriter, req *http.Request, bid string, now time.Time) {
	r.admitted.Inc()
	r.mu.Lock()
	delete(r.drawn, bid) // when the session ends, the browser waits again
	r.mu.Unlock()
	exp := now.Add(r.cfg.Session)
	setCookie(w, req, passCookie, r.sign.pass(exp, bid), r.cfg.Session)
	setCookie(w, req, ticketCookie, "", 0)
}

func cookieName(r *http.Request, name string) string {
	if r.TLS != nil {
		return "__Host-" + name
	}
	return name
}

func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(cookieName(r, name))
	if err != nil {
		return ""
	}
	return c.Value
}

// setCookie sets a cookie for ttl; an empty value deletes it. The
// signed value carries its own expiry: the cookie's is only a courtesy.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, ttl time.Duration) {
	c := &http.Cookie{ // #nosec G124 -- Secure whenever the request came over TLS; a Secure cookie over plain HTTP would be dropped
		Name:     cookieName(r, name),
		Value:    value,
		Path:     "/",
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	}
	if value == "" {
		c.MaxAge = -1
	} else {
		c.MaxAge = max(int(ttl.Seconds()), 1)
	}
	http.SetCookie(w, c)
}

// Browser returns the id that req's signed browser cookie carries. An id
// whose signature fails counts as none. The room gives every browser
// viewing pages an id (see Middleware), so the rest of the platform keys
// what belongs to one browser (its live holds) by it rather than by an
// address that many people may share.
func (r *Room) Browser(req *http.Request) (string, bool) {
	return r.sign.readBrowser(cookieValue(req, browserCookie))
}
