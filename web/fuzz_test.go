package web

import (
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
