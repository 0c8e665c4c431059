package main

import (
	"io"
	"strings"
	"testing"
)

func TestPublicURLFlag(t *testing.T) {
	m := NewMain()
	m.Stderr = io.Discard
	f, err := m.parseServe([]string{"--public-url", "https://rdv.example.org/"})
	if err != nil || f.PublicURL != "https://rdv.example.org" {
		t.Fatalf("--public-url https://rdv.example.org/: %q, %v", f.PublicURL, err)
	}
	for _, bad := range []string{"rdv.example.org", "https://rdv.example.org/rdv", "ftp://rdv.example.org"} {
		if _, err := m.parseServe([]string{"--public-url", bad}); err == nil || !strings.Contains(err.Error(), "--public-url") {
			t.Errorf("--public-url %s: %v, want refused at start", bad, err)
		}
	}
	t.Setenv("RDV_PUBLIC_URL", "http://localhost:8080")
	if f, err := m.parseServe(nil); err != nil || f.PublicURL != "http://localhost:8080" {
		t.Errorf("RDV_PUBLIC_URL: %q, %v", f.PublicURL, err)
	}
	t.Setenv("RDV_PUBLIC_URL", "evil.example")
	if _, err := m.parseServe(nil); err == nil {
		t.Error("a malformed RDV_PUBLIC_URL was taken")
	}
}
