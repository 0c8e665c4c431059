package places

import (
	"strings"
	"testing"
)

func TestAll(t *testing.T) {
	t.Parallel()
	all := All()
	if len(all) != 350 {
		t.Fatalf("All() has %d places, want 350", len(all))
	}
	if all[0].Name != "Montréal" {
		t.Errorf("first place is %q, want Montréal", all[0].Name)
	}
	for i, p := range all {
		if p.GeonamesID == 0 || p.Name == "" {
			t.Errorf("place %d is incomplete: %+v", i, p)
		}
		// Québec lies roughly within these bounds.
		if p.Lat < 44 || p.Lat > 63 || p.Lon < -80 || p.Lon > -57 {
			t.Errorf("%s lies outside Québec: %v, %v", p.Name, p.Lat, p.Lon)
		}
		if i > 0 && p.Population > all[i-1].Population {
			t.Errorf("%s (%d) after %s (%d): not most populous first", p.Name, p.Population, all[i-1].Name, all[i-1].Population)
		}
	}
	all[0].Name = "changed"
	if All()[0].Name != "Montréal" {
		t.Error("All() returned the package's own slice")
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // "" for not found
	}{
		{"Montréal", "Montréal"},
		{"montreal", "Montréal"},
		{"MONTRÉAL", "Montréal"},
		{"  Montréal ", "Montréal"},
		{"Saint-Jérôme", "Saint-Jérôme"},
		{"st-jerome", "Saint-Jérôme"},
		{"St Jérôme", "Saint-Jérôme"},
		{"saint jerome", "Saint-Jérôme"},
		{"Trois-Rivières", "Trois-Rivières"},
		{"trois rivieres", "Trois-Rivières"},
		{"Sainte-Thérèse", "Sainte-Thérèse"},
		{"ste-therese", "Sainte-Thérèse"},
		{"Ste. Thérèse", "Sainte-Thérèse"},
		{"val d'or", "Val-d'Or"},
		{"Val-d’Or", "Val-d'Or"},
		{"lassomption", "L'Assomption"},
		{"Québec", "Québec"},
		{"quebec", "Québec"},
		{"Gotham", ""},
		{"", ""},
		{"St", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, ok := Lookup(tt.in)
			if tt.want == "" {
				if ok {
					t.Fatalf("Lookup(%q) = %q, want not found", tt.in, p.Name)
				}
				return
			}
			if !ok || p.Name != tt.want {
				t.Fatalf("Lookup(%q) = %q, %v; want %q", tt.in, p.Name, ok, tt.want)
			}
		})
	}
}

func TestLookupDuplicateNamePrefersMostPopulous(t *testing.T) {
	t.Parallel()
	var best Place
	for _, p := range All() {
		if p.Name == "Sainte-Catherine" {
			best = p
			break
		}
	}
	got, ok := Lookup("ste catherine")
	if !ok || got.GeonamesID != best.GeonamesID {
		t.Fatalf("Lookup(ste catherine) = %+v, want %+v", got, best)
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		prefix   string
		n        int
		first    string // "" when nothing is expected
		allMatch string // every result's folded name contains this
	}{
		{"mont", 5, "Montréal", "mont"},
		{"MONTR", 3, "Montréal", "montr"},
		{"st-j", 10, "Saint-Jean-sur-Richelieu", "saintj"},
		{"jer", 5, "Saint-Jérôme", "jer"},
		{"rivi", 5, "Trois-Rivières", "rivi"},
		{"trois r", 5, "Trois-Rivières", "troisr"},
		{"zzz", 5, "", ""},
		{"", 5, "", ""},
		{"mont", 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			got := Suggest(tt.prefix, tt.n)
			if tt.first == "" {
				if len(got) != 0 {
					t.Fatalf("Suggest(%q, %d) = %v, want none", tt.prefix, tt.n, got)
				}
				return
			}
			if len(got) == 0 || got[0].Name != tt.first {
				t.Fatalf("Suggest(%q, %d) = %v, want %q first", tt.prefix, tt.n, got, tt.first)
			}
			if len(got) > tt.n {
				t.Fatalf("Suggest(%q, %d) returned %d places", tt.prefix, tt.n, len(got))
			}
			for i, p := range got {
				if !strings.Contains(strings.Join(foldWords(p.Name, false), ""), tt.allMatch) {
					t.Errorf("Suggest(%q): %q does not match", tt.prefix, p.Name)
				}
				if i > 0 && p.Population > got[i-1].Population {
					t.Errorf("Suggest(%q): %s before %s is not most populous first", tt.prefix, got[i-1].Name, p.Name)
				}
			}
		})
	}
}

func TestSuggestAbbreviationStillMatchesLiteralPrefix(t *testing.T) {
	t.Parallel()
	// "st" starts "Stanstead"-like names as well as abbreviating "Saint".
	got := Suggest("st", 400)
	var saint, literal bool
	for _, p := range got {
		if strings.HasPrefix(p.Name, "Saint") {
			saint = true
		}
		if strings.HasPrefix(p.Name, "St") && !strings.HasPrefix(p.Name, "Saint") {
			literal = true
		}
	}
	if !saint {
		t.Error(`Suggest("st") found no "Saint" place`)
	}
	hasLiteral := false
	for _, p := range All() {
		if strings.HasPrefix(p.Name, "St") {
			hasLiteral = true
		}
	}
	if hasLiteral && !literal {
		t.Error(`Suggest("st") lost the places whose name starts with "St"`)
	}
}

func BenchmarkLookup(b *testing.B) {
	Lookup("x")
	for b.Loop() {
		Lookup("St-Jérôme")
	}
}
