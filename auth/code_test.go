package auth

import (
	"strings"
	"testing"
)

// TestNewCode: six digits, and every digit in every place.
func TestNewCode(t *testing.T) {
	t.Parallel()
	var seen [6][10]bool
	for range 2000 {
		c := NewCode()
		if len(c) != 6 || strings.Trim(c, "0123456789") != "" {
			t.Fatalf("code %q is not six digits", c)
		}
		for i, d := range c {
			seen[i][d-'0'] = true
		}
	}
	for i := range seen {
		for d, ok := range seen[i] {
			if !ok {
				// 2000 draws miss a digit in a place with odds of 1e-91.
				t.Errorf("digit %d never drawn in place %d", d, i)
			}
		}
	}
	if codeCeiling%codeSpace != 0 || codeCeiling > 1<<32 || 1<<32-codeCeiling >= codeSpace {
		t.Errorf("ceiling %d does not keep the codes uniform", codeCeiling)
	}
}

// TestCodeHash: the hash is the same for the same key, destination and
// code, and changes with any of them.
func TestCodeHash(t *testing.T) {
	t.Parallel()
	key, err := CodeKey([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	other, err := CodeKey([]byte(strings.Repeat("o", 32)))
	if err != nil {
		t.Fatal(err)
	}
	h := CodeHash(key, "julie@exemple.ca", "012345")
	if h != CodeHash(key, "julie@exemple.ca", "012345") {
		t.Fatal("the same code hashes twice differently")
	}
	if strings.Contains(h, "012345") || strings.Contains(h, "julie") {
		t.Errorf("hash %q shows what it hashes", h)
	}
	for name, x := range map[string]string{
		"another code":        CodeHash(key, "julie@exemple.ca", "012346"),
		"another destination": CodeHash(key, "+15145550199", "012345"),
		"another key":         CodeHash(other, "julie@exemple.ca", "012345"),
		"the parts moved":     CodeHash(key, "julie@exemple.ca0", "12345"),
	} {
		if x == h {
			t.Errorf("%s gives the same hash", name)
		}
	}
	if _, err := CodeKey([]byte("short")); err == nil {
		t.Error("a short secret gave a key")
	}
}
