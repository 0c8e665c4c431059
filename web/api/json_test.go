package api

import (
	"encoding/json"
	"testing"
	"time"

	"rdv"
)

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
	// Every minute of the DST nights and of a few years, as time.Format
	// writes them.
	for _, day := range []time.Time{
		time.Date(2026, 3, 8, 0, 0, 0, 0, rdv.Toronto), time.Date(2026, 11, 1, 0, 0, 0, 0, rdv.Toronto),
		time.Date(2028, 2, 29, 0, 0, 0, 0, rdv.Toronto), time.Date(1969, 12, 31, 0, 0, 0, 0, rdv.Toronto),
	} {
		for m := 0; m < 26*60; m++ {
			at := day.Add(time.Duration(m) * time.Minute).Add(17 * time.Second)
			want := `"` + at.In(rdv.Toronto).Format(time.RFC3339) + `"`
			if got := string(appendTime(nil, at)); got != want {
				t.Fatalf("appendTime(%v) = %s, want %s", at.UTC(), got, want)
			}
		}
	}
	for d := -800_000; d < 800_000; d += 37 {
		at := time.Unix(int64(d)*86400+3600*13, 0)
		want := `"` + at.In(rdv.Toronto).Format(time.RFC3339) + `"`
		if got := string(appendTime(nil, at)); got != want {
			t.Fatalf("appendTime(%v) = %s, want %s", at.UTC(), got, want)
		}
	}
}

func TestAppendKm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		km   float64
		want string
	}{{0, "0.0"}, {2.64, "2.6"}, {2.65, "2.7"}, {24.96, "25.0"}, {249.99, "250.0"}, {-1, "0"}}
	for _, tt := range tests {
		if got := string(appendKm(nil, tt.km)); got != tt.want {
			t.Errorf("appendKm(%v) = %s, want %s", tt.km, got, tt.want)
		}
	}
}
