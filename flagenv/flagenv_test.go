package flagenv

import (
	"strings"
	"testing"
	"time"
)

// TestDefaultsAndValues: unset and empty variables give the default, good
// ones their value, and nothing is an error.
func TestDefaultsAndValues(t *testing.T) {
	t.Setenv("RDV_T_INT", "7")
	t.Setenv("RDV_T_FLOAT", "2.5")
	t.Setenv("RDV_T_DUR", "90s")
	t.Setenv("RDV_T_BOOL", "on")
	t.Setenv("RDV_T_STR", "x")
	t.Setenv("RDV_T_EMPTY", "")
	var r Reader
	if got := r.Int("RDV_T_INT", 1); got != 7 {
		t.Errorf("Int = %d", got)
	}
	if got := r.Float("RDV_T_FLOAT", 1); got != 2.5 {
		t.Errorf("Float = %v", got)
	}
	if got := r.Duration("RDV_T_DUR", time.Second); got != 90*time.Second {
		t.Errorf("Duration = %v", got)
	}
	if got := r.Bool("RDV_T_BOOL", false); !got {
		t.Error("Bool = false")
	}
	if got := r.String("RDV_T_STR", "d"); got != "x" {
		t.Errorf("String = %q", got)
	}
	if r.Int("RDV_T_EMPTY", 3) != 3 || r.String("RDV_T_EMPTY", "d") != "d" || r.Int("RDV_T_UNSET", 4) != 4 {
		t.Error("an empty or unset variable does not give the default")
	}
	if err := r.Err(); err != nil {
		t.Fatalf("Err = %v", err)
	}
}

// TestBadValuesAreKept: every malformed value is reported, by name.
func TestBadValuesAreKept(t *testing.T) {
	t.Setenv("RDV_T_INT", "ten")
	t.Setenv("RDV_T_FLOAT", "fast")
	t.Setenv("RDV_T_DUR", "5")
	t.Setenv("RDV_T_BOOL", "maybe")
	var r Reader
	r.Int("RDV_T_INT", 1)
	r.Float("RDV_T_FLOAT", 1)
	r.Duration("RDV_T_DUR", time.Second)
	r.Bool("RDV_T_BOOL", false)
	err := r.Err()
	if err == nil {
		t.Fatal("bad values: no error")
	}
	for _, name := range []string{"RDV_T_INT", "RDV_T_FLOAT", "RDV_T_DUR", "RDV_T_BOOL"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}
