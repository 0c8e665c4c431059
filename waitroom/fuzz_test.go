package waitroom

import (
	"strings"
	"testing"
	"time"
)

// FuzzTickets: tickets, passes and browser cookies come back from
// browsers; whatever they hold, reading them never fails loudly, and
// only what this secret signed is taken.
func FuzzTickets(f *testing.F) {
	s := signer{secret: []byte("the room's secret, for the fuzz test")}
	other := signer{secret: []byte("another instance's secret")}
	issued := time.Date(2026, time.March, 9, 9, 0, 0, 0, time.UTC)
	f.Add(s.ticket(42, issued, "AAAAAAAAAAAAAAAAAAAAAA"), int64(42), issued.UnixMilli(), "AAAAAAAAAAAAAAAAAAAAAA")
	f.Add(s.pass(issued, "b"), int64(1), int64(0), "b")
	f.Add(s.browser("AAAAAAAAAAAAAAAAAAAAAA"), int64(7), int64(-1), "a|b")
	f.Add("dHwxfDB8Yg.AAAA", int64(-3), int64(1)<<62, "")
	f.Add(strings.Repeat("A", 201), int64(0), int64(0), "\x00")
	f.Fuzz(func(t *testing.T, token string, seq, ms int64, browser string) {
		if tk, ok := s.readTicket(token); ok {
			if tk.Seq <= 0 || tk.original != token {
				t.Fatalf("%q read as %+v", token, tk)
			}
			if _, ok := other.readTicket(token); ok {
				t.Fatalf("%q taken under another secret", token)
			}
		}
		s.readPass(token)
		if id, ok := s.readBrowser(token); ok && !validBrowserID(id) {
			t.Fatalf("%q read as browser %q", token, id)
		}

		// What this room signs reads back as it was, if it fits a cookie.
		if seq <= 0 || strings.Contains(browser, "|") {
			return
		}
		at := time.UnixMilli(ms)
		made := s.ticket(seq, at, browser)
		tk, ok := s.readTicket(made)
		if len(made) > 200 {
			if ok {
				t.Fatalf("a ticket of %d bytes taken", len(made))
			}
			return
		}
		if !ok || tk.Seq != seq || !tk.Issued.Equal(at) || tk.Browser != browser {
			t.Fatalf("ticket %d, %v, %q reads back as %+v, %v", seq, at, browser, tk, ok)
		}
		if _, ok := other.readTicket(made); ok {
			t.Fatalf("ticket %d taken under another secret", seq)
		}
		if exp, b, ok := s.readPass(s.pass(at, browser)); len(s.pass(at, browser)) <= 200 && (!ok || !exp.Equal(at) || b != browser) {
			t.Fatalf("pass %v, %q reads back as %v, %q, %v", at, browser, exp, b, ok)
		}
	})
}
