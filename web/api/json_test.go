package api

import (
	"encoding/json"
	"testing"
	"time"

	"rdv"
)

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	tests := []string{
		"", "Clinique du Plateau", "Montréal", `quote " and \ backslash`,
		"line\nbreak\ttab\rreturn", "\x00\x01\x1f", "<script>&</script>",
		"\u2028\u2029", "bad \xff utf-8 \xc3", "emoji 🩺", "Saint-Jérôme l'Île",
	}
	for _, s := range tests {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); string(got) != string(want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("Montréal <&> \"\\\n")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}

func TestAppendTimeUsesTorontoOffset(t *testing.T) {
	tests := []struct {
		utc  time.Time
		want string
	}{
		{time.Date(2026, 1, 15, 14, 0, 0, 0, time.UTC), `"2026-01-15T09:00:00-05:00"`},
		{time.Date(2026, 7, 15, 13, 0, 0, 0, time.UTC), `"2026-07-15T09:00:00-04:00"`},
	}
	for _, tt := range tests {
		if got := string(appendTime(nil, tt.utc)); got != tt.want {
			t.Errorf("appendTime(%v) = %s, want %s", tt.utc, got, tt.want)
		}
	}
	_ = rdv.Toronto
}
