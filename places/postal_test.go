package places

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePostalCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, code, fsa string // code "" when not a postal code
	}{
		{"H2X 1Y4", "H2X 1Y4", "H2X"},
		{"h2x1y4", "H2X 1Y4", "H2X"},
		{"  h2x-1y4 ", "H2X 1Y4", "H2X"},
		{"H2X", "H2X", "H2X"},
		{"j7z", "J7Z", "J7Z"},
		{"G1R 4P5", "G1R 4P5", "G1R"},
		{"K1A 0B1", "K1A 0B1", "K1A"}, // Ottawa: a postal code, not Québec's
		{"H2X 1Y", "", ""},            // neither an FSA nor a whole code
		{"H2X 1Y4 5", "", ""},
		{"22X 1Y4", "", ""},
		{"HHX 1Y4", "", ""},
		{"D2X", "", ""}, // D is never used
		{"W2X", "", ""}, // nor W first
		{"H2O", "", ""}, // nor O
		{"Laval", "", ""},
		{"", "", ""},
		{"H2X_1Y4", "", ""},
		{"Ｈ2X", "", ""}, // a wide letter is not a postal code
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			code, fsa, ok := ParsePostalCode(tt.in)
			if tt.code == "" {
				if ok {
					t.Fatalf("ParsePostalCode(%q) = %q, %q; want not a postal code", tt.in, code, fsa)
				}
				return
			}
			if !ok || code != tt.code || fsa != tt.fsa {
				t.Fatalf("ParsePostalCode(%q) = %q, %q, %v; want %q, %q", tt.in, code, fsa, ok, tt.code, tt.fsa)
			}
		})
	}
}

// sampleFSA is a table in the source's format for the tests: each area
// placed at the coordinates of the town of quebec-places.csv it serves, so
// that the tests invent no position.
const sampleFSA = "# comment\n" +
	"CA\tJ7Z\tSaint-Jérôme Central\tQuebec\tQC\t\t\t\t\t45.78036\t-74.00365\t1\n" +
	"CA\tG8Z\tTrois-Rivières\tQuebec\tQC\t\t\t\t\t46.35006\t-72.54912\t1\n" +
	"CA\tK1A\tOttawa\tOntario\tON\t\t\t\t\t45.41117\t-75.69812\t1\n"

func TestParseFSA(t *testing.T) {
	t.Parallel()
	m, err := parseFSA(strings.NewReader(sampleFSA))
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 2 {
		t.Fatalf("parsed %d areas, want the 2 of Québec: %v", len(m), m)
	}
	if a := m["J7Z"]; a.Name != "Saint-Jérôme Central" || a.Lat != 45.78036 || a.Lon != -74.00365 {
		t.Errorf("J7Z = %+v", a)
	}
	bad := []string{
		"CA\tJ7Z\tx\n", // too few fields
		"CA\tJ7Z 1A1\tx\tQ\tQC\t\t\t\t\t45\t-74\t1\n", // not an FSA
		"CA\tJ7Z\tx\tQ\tQC\t\t\t\t\tnord\t-74\t1\n",   // latitude
		"CA\tJ7Z\tx\tQ\tQC\t\t\t\t\t45\t-74\t1\nCA\tJ7Z\tx\tQ\tQC\t\t\t\t\t45\t-74\t1\n",
	}
	for _, in := range bad {
		if _, err := parseFSA(strings.NewReader(in)); err == nil {
			t.Errorf("parseFSA(%q) accepted", in)
		}
	}
}

// TestEmbeddedFSA checks the table the binary carries: every area in
// Québec, within its bounds.
func TestEmbeddedFSA(t *testing.T) {
	t.Parallel()
	m, err := parseFSA(strings.NewReader(fsaText))
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != PostalAreas() {
		t.Fatalf("PostalAreas() = %d, want %d", PostalAreas(), len(m))
	}
	for fsa, a := range m {
		if !inQuebec(fsa) || a.Lat < 44 || a.Lat > 63 || a.Lon < -80 || a.Lon > -57 {
			t.Errorf("%s lies outside Québec: %+v", fsa, a)
		}
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    string // the place's name when found
		wantErr error
	}{
		{"Montréal", "Montréal", nil},
		{"mtl", "Montréal", nil},
		{"MTL", "Montréal", nil},
		{"St-Jérôme", "Saint-Jérôme", nil},
		{"st jerome", "Saint-Jérôme", nil},
		{"TR", "Trois-Rivières", nil},
		{"Qc", "Québec", nil},
		{"Lévis, Qc", "Lévis", nil},
		{"Gatineau (Québec)", "Gatineau", nil},
		{"Atlantide", "", ErrUnknownPlace},
		{"", "", ErrUnknownPlace},
		{"K1A 0B1", "", ErrPostalCodeOutside},
		{"m5v", "", ErrPostalCodeOutside},
	}
	if PostalAreas() == 0 {
		// Until the table holds Québec's areas, a Québec postal code
		// gets the message that says so.
		tests = append(tests, struct {
			in      string
			want    string
			wantErr error
		}{"H2X 1Y4", "", ErrPostalCodeUnknown})
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := Resolve(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Resolve(%q) = %+v, %v; want %v", tt.in, p, err, tt.wantErr)
				}
				return
			}
			if err != nil || p.Name != tt.want {
				t.Fatalf("Resolve(%q) = %q, %v; want %q", tt.in, p.Name, err, tt.want)
			}
			if q, _ := Lookup(tt.want); p != q {
				t.Errorf("Resolve(%q) = %+v, not the place of the list %+v", tt.in, p, q)
			}
		})
	}
}

// TestResolvePostalCode places whole codes and FSAs at their area's centre
// and tells an area the table lacks from one outside Québec.
func TestResolvePostalCode(t *testing.T) {
	m, err := parseFSA(strings.NewReader(sampleFSA))
	if err != nil {
		t.Fatal(err)
	}
	withTable(t, m)
	jerome, _ := Lookup("Saint-Jérôme")
	tests := []struct {
		in, name string
		at       Place // where it is placed
		wantErr  error
	}{
		{"J7Z 5T3", "J7Z 5T3", jerome, nil},
		{"j7z5t3", "J7Z 5T3", jerome, nil},
		{"J7Z", "J7Z", jerome, nil},
		{"H2X 1Y4", "", Place{}, ErrPostalCodeUnknown},
		{"K1A 0B1", "", Place{}, ErrPostalCodeOutside},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := Resolve(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Resolve(%q) = %+v, %v; want %v", tt.in, p, err, tt.wantErr)
				}
				return
			}
			if err != nil || p.Name != tt.name || p.Lat != tt.at.Lat || p.Lon != tt.at.Lon {
				t.Fatalf("Resolve(%q) = %+v, %v; want %q at %v,%v", tt.in, p, err, tt.name, tt.at.Lat, tt.at.Lon)
			}
		})
	}
}

// withTable makes the package use m as its postal table for one test.
func withTable(t *testing.T, m map[string]PostalArea) {
	t.Helper()
	old := loadFSA
	loadFSA = func() map[string]PostalArea { return m }
	t.Cleanup(func() { loadFSA = old })
}

// TestEveryPlaceFoundByItsName: the short forms read the same on both
// sides (« St-Jean-Port-Joli » is in the list as GeoNames writes it), so a
// short form never hides a place; at most two places share a name, and
// the more populous wins.
func TestEveryPlaceFoundByItsName(t *testing.T) {
	t.Parallel()
	key := func(s string) string { return strings.Join(foldWords(s, false), "") }
	for _, p := range All() {
		got, ok := Lookup(p.Name)
		if !ok || key(got.Name) != key(p.Name) || got.Population < p.Population {
			t.Errorf("Lookup(%q) = %+v, %v", p.Name, got, ok)
		}
	}
	if p, ok := Lookup("St-Jean-Port-Joli"); !ok || p.Name != "St-Jean-Port-Joli" {
		t.Errorf("Lookup(St-Jean-Port-Joli) = %q, %v", p.Name, ok)
	}
	if p, ok := Lookup("Saint-Jean-Port-Joli"); !ok || p.Name != "St-Jean-Port-Joli" {
		t.Errorf("Lookup(Saint-Jean-Port-Joli) = %q, %v", p.Name, ok)
	}
}

func TestSuggestShortForms(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ prefix, first string }{
		{"mtl", "Montréal"},
		{"St-Jér", "Saint-Jérôme"},
		{"ste-th", "Sainte-Thérèse"},
	} {
		got := Suggest(tt.prefix, 5)
		if len(got) == 0 || got[0].Name != tt.first {
			t.Errorf("Suggest(%q) = %v, want %s first", tt.prefix, got, tt.first)
		}
	}
}
