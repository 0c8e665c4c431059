package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"rdv"
)

// FuzzSafeReturn: a return address from a query or a form leads to a page
// of this site, or is dropped; a browser resolving it never leaves the
// site.
func FuzzSafeReturn(f *testing.F) {
	for _, s := range []string{"/mes-rendez-vous", "/recherche?service=general&near=45,-73", "//evil.example", "/\\evil.example", "/\t/evil.example",
		"https://evil.example/", "/%2F/evil.example", " /x", "/\x7f", "javascript:alert(1)", "/..//evil.example", ""} {
		f.Add(s)
	}
	site, err := url.Parse("https://rdv.example/connexion")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := safeReturn(s)
		if p == "" {
			return
		}
		if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\t\r\n") {
			t.Fatalf("%q kept as %q", s, p)
		}
		u, err := url.Parse(p)
		if err != nil {
			t.Fatalf("%q kept as %q, which does not parse: %v", s, p, err)
		}
		if to := site.ResolveReference(u); to.Host != site.Host || to.Scheme != site.Scheme {
			t.Fatalf("%q kept as %q, which leads to %v", s, p, to)
		}
		if again := safeReturn(p); again != p {
			t.Fatalf("%q kept as %q, then as %q", s, p, again)
		}
	})
}

// FuzzReadContact: what a patient types to sign in is an email or a
// mobile number in its normal form, or a message says what is wrong.
func FuzzReadContact(f *testing.F) {
	for _, s := range []string{"Marie@Example.org", "514 555-0123", "+1 (514) 555-0123", "a@b", "514", "@", strings.Repeat("a", 250) + "@b.ca", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ch, to, problem := readContact(s)
		switch {
		case problem != "":
			if ch != "" || to != "" {
				t.Fatalf("%q refused (%s) with %q, %q", s, problem, ch, to)
			}
		case ch == rdv.ByEmail:
			if e, ok := rdv.NormalizeEmail(to); !ok || e != to {
				t.Fatalf("%q read as email %q", s, to)
			}
		case ch == rdv.BySMS:
			if p, ok := rdv.NormalizePhone(to); !ok || p != to {
				t.Fatalf("%q read as phone %q", s, to)
			}
		default:
			t.Fatalf("%q read as %q, %q with no message", s, ch, to)
		}
	})
}

// FuzzTypedCode: what a patient types as a sign-in code is six ASCII
// digits once the spaces and dashes are dropped, and nothing else is; a
// code however spaced reads as itself.
func FuzzTypedCode(f *testing.F) {
	for _, s := range []string{"123456", "123 456", " 123-456 ", "12 34 56", "1234567", "12345", "１２３４５６", "123\u00a0456", "123\t456", "٣٢١٤٥٦", "-", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		code, ok := typedCode(typed)
		if strings.ContainsAny(code, " -") || strings.Count(typed, "") != strings.Count(code, "")+strings.Count(typed, " ")+strings.Count(typed, "-") {
			t.Fatalf("%q read as %q: not only spaces and dashes dropped", typed, code)
		}
		if !ok {
			return
		}
		if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
			t.Fatalf("%q accepted as %q", typed, code)
		}
		if again, ok := typedCode(code); !ok || again != code {
			t.Fatalf("%q read as %q, which reads as %q, %v", typed, code, again, ok)
		}
		if spaced, ok := typedCode(code[:3] + " " + code[3:]); !ok || spaced != code {
			t.Fatalf("%q spaced reads as %q, %v", code, spaced, ok)
		}
	})
}

// linkTargets are the pages a token in a link opens (an appointment's,
// its calendar file, its change of time, a request's, and the API's
// reading of both) and the calendar feeds a secret in the path opens.
var linkTargets = []string{
	"/rendez-vous/{id}?token={token}",
	"/rendez-vous/{id}/calendrier.ics?token={token}",
	"/rendez-vous/{id}/changer?token={token}",
	"/demande/{id}?token={token}",
	"/calendrier/{token}.ics",
	"/api/v1/appointments/{id}?token={token}",
	"/api/v1/requests/{id}?token={token}",
}

// FuzzLinkTokens: an id and a token that no link carried, from the path
// or the query, open nothing and say so with a 4xx (or are sent to the
// clean path); never a 5xx, never a panic. (No fuzzer guesses a token of 256 random bits.)
func FuzzLinkTokens(f *testing.F) {
	s := mustOpenSite(f)
	h := s.mounted()
	for i := range linkTargets {
		for _, v := range [][2]string{{"1", "not-a-token"}, {"1", ""}, {"0", "x"}, {"-1", "x"}, {"9223372036854775808", "x"},
			{"R-1", strings.Repeat("a", 201)}, {"1", "rdvf_\x00\xff"}, {"../1", "%zz"}, {"１", "é"}, {"", ""}} {
			f.Add(uint8(i), v[0], v[1])
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, id, token string) {
		target := linkTargets[int(which)%len(linkTargets)]
		escaped := url.QueryEscape(token)
		if !strings.Contains(target, "?") {
			escaped = url.PathEscape(token)
		}
		target = strings.NewReplacer("{id}", url.PathEscape(id), "{token}", escaped).Replace(target)
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.RemoteAddr = "192.0.2.10:40000"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		// The mux sends an unclean path (a "//", a "..") to its clean
		// form, which is asked again with the same token.
		cleaned := w.Code == http.StatusMovedPermanently || w.Code == http.StatusTemporaryRedirect || w.Code == http.StatusPermanentRedirect
		if w.Code < 400 && !cleaned || w.Code >= 500 {
			t.Fatalf("GET %s: status %d: %.300s", target, w.Code, w.Body)
		}
	})
}
