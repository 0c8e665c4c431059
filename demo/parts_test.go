package demo

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/places"
)

func TestPatients(t *testing.T) {
	n, _ := fullNetwork(t)
	ps := n.load.Patients
	if len(ps) != DefaultPatients {
		t.Fatalf("%d patients, want %d", len(ps), DefaultPatients)
	}
	today := n.opts.Start
	seen := map[string]bool{}
	children := 0
	for i, p := range ps {
		original := p
		if p.ID != int64(i+1) {
			t.Fatalf("patient %d has ID %d", i+1, p.ID)
		}
		if err := p.Validate(today); err != nil {
			t.Fatalf("patient %d invalid: %v (%+v)", p.ID, err, original)
		}
		if p != original {
			t.Errorf("patient %d not in normal form: %+v", p.ID, original)
		}
		if seen[p.HealthNumber] {
			t.Errorf("health number of patient %d given twice", p.ID)
		}
		seen[p.HealthNumber] = true
		if p.Email != "" && !strings.HasSuffix(p.Email, "@example.org") {
			t.Errorf("patient %d: email outside the reserved domain", p.ID)
		}
		age := today.Year - p.BirthDate.Year
		if p.GuardianID == 0 {
			if age < 18 {
				t.Errorf("patient %d is %d and has no guardian", p.ID, age)
			}
			continue
		}
		children++
		if p.GuardianID < 1 || p.GuardianID >= p.ID {
			t.Fatalf("patient %d: guardian %d", p.ID, p.GuardianID)
		}
		g := ps[p.GuardianID-1]
		if g.GuardianID != 0 || today.Year-g.BirthDate.Year < 18 || age > 18 {
			t.Errorf("child %d (age %d) has guardian %d (age %d, guardian %d)", p.ID, age, g.ID, today.Year-g.BirthDate.Year, g.GuardianID)
		}
	}
	if share := float64(children) / float64(len(ps)); share < 0.10 || share > 0.30 {
		t.Errorf("%.0f%% children", 100*share)
	}
}

func TestHealthNumber(t *testing.T) {
	used := map[string]bool{}
	birth := rdv.Date{Year: 1984, Month: time.March, Day: 9}
	tests := []struct {
		first, last string
		female      bool
		prefix      string
	}{
		{"Élodie", "Côté", true, "COTE845309"},
		{"Jean", "St-Pierre", false, "STXJ840309"},
		{"Wei", "Li", false, "LIXW840309"},
		{"Œdipe", "Lœwen", false, "LOEO840309"},
		{"Anne", "D'Amour", true, "DAMA845309"},
	}
	for _, tt := range tests {
		hn, ok := healthNumber(tt.first, tt.last, birth, tt.female, 5, used)
		if !ok || !strings.HasPrefix(hn, tt.prefix) {
			t.Errorf("%s %s: %s, want %s..", tt.first, tt.last, hn, tt.prefix)
		}
		p := rdv.Patient{FirstName: tt.first, LastName: tt.last, BirthDate: birth, HealthNumber: hn, Phone: "514-555-0123"}
		if err := p.Validate(rdv.Date{Year: 2026, Month: time.January, Day: 1}); err != nil {
			t.Errorf("%s: %v", hn, err)
		}
	}
	// A hundred namesakes born the same day get distinct numbers; the
	// next one has none left.
	for range 100 {
		hn, ok := healthNumber("Marie", "Roy", birth, true, 5, used)
		if err := rdv.CheckHealthNumberName(hn, "Marie", "Roy"); !ok || err != nil {
			t.Fatalf("%s: %v", hn, err)
		}
	}
	if len(used) != len(tests)+100 {
		t.Errorf("%d distinct numbers, want %d", len(used), len(tests)+100)
	}
	if hn, ok := healthNumber("Marie", "Roy", birth, true, 5, used); ok {
		t.Errorf("101st namesake got %s, want none left", hn)
	}
}

func TestHolidays(t *testing.T) {
	tests := []struct {
		year int
		name string
		want rdv.Date
	}{
		{2026, "Vendredi saint", rdv.Date{Year: 2026, Month: time.April, Day: 3}},
		{2026, "Lundi de Pâques", rdv.Date{Year: 2026, Month: time.April, Day: 6}},
		{2027, "Vendredi saint", rdv.Date{Year: 2027, Month: time.March, Day: 26}},
		{2024, "Lundi de Pâques", rdv.Date{Year: 2024, Month: time.April, Day: 1}},
		{2026, "Journée nationale des patriotes", rdv.Date{Year: 2026, Month: time.May, Day: 18}},
		{2027, "Journée nationale des patriotes", rdv.Date{Year: 2027, Month: time.May, Day: 24}},
		{2026, "Fête du Travail", rdv.Date{Year: 2026, Month: time.September, Day: 7}},
		{2026, "Action de grâce", rdv.Date{Year: 2026, Month: time.October, Day: 12}},
		{2027, "Action de grâce", rdv.Date{Year: 2027, Month: time.October, Day: 11}},
		{2026, "Lendemain de Noël", rdv.Date{Year: 2026, Month: time.December, Day: 26}},
	}
	for _, tt := range tests {
		var got rdv.Date
		for _, h := range holidaysOf(tt.year) {
			if h.Name == tt.name {
				got = h.Date
			}
		}
		if got != tt.want {
			t.Errorf("%s %d = %s, want %s", tt.name, tt.year, got, tt.want)
		}
	}
	got := holidaysBetween(rdv.Date{Year: 2026, Month: time.December, Day: 7}, rdv.Date{Year: 2027, Month: time.February, Day: 1})
	if len(got) != 3 || got[0].Name != "Noël" || got[2].Name != "Jour de l'An" {
		t.Errorf("holidays of the winter: %v", got)
	}
}

func TestAreaCodes(t *testing.T) {
	tests := []struct {
		place string
		want  region
	}{
		{"Montréal", regionMontreal}, {"Westmount", regionMontreal}, {"Dorval", regionMontreal},
		{"Pointe-Claire", regionMontreal}, {"Sainte-Anne-de-Bellevue", regionMontreal},
		{"Saint-Léonard", regionMontreal}, {"Dollard-Des Ormeaux", regionMontreal}, {"Laval", regionSuburbs}, {"Longueuil", regionSuburbs},
		{"Terrebonne", regionSuburbs}, {"Brossard", regionSuburbs}, {"Repentigny", regionSuburbs}, {"Saint-Jérôme", regionSuburbs}, {"Granby", regionSuburbs},
		{"Saint-Hyacinthe", regionSuburbs}, {"Joliette", regionSuburbs}, {"Salaberry-de-Valleyfield", regionSuburbs},
		{"Saint-Félix-de-Valois", regionSuburbs}, {"Acton Vale", regionSuburbs}, {"Donnacona", regionEast},
		{"Plessisville", regionWest}, {"Louiseville", regionWest},
		{"Québec", regionEast}, {"Lévis", regionEast}, {"Saguenay", regionEast}, {"Rimouski", regionEast},
		{"Sept-Îles", regionEast}, {"Saint-Georges", regionEast}, {"Gaspé", regionEast},
		{"Gatineau", regionWest}, {"Sherbrooke", regionWest}, {"Trois-Rivières", regionWest},
		{"Drummondville", regionWest}, {"Rouyn-Noranda", regionWest}, {"Victoriaville", regionWest},
		{"Mont-Tremblant", regionWest}, {"Magog", regionWest},
	}
	for _, tt := range tests {
		p, ok := places.Lookup(tt.place)
		if !ok {
			t.Fatalf("no place %s", tt.place)
		}
		if got := regionOf(p.Lat, p.Lon); got != tt.want {
			t.Errorf("%s: area codes %v, want %v", tt.place, areaCodes[got], areaCodes[tt.want])
		}
	}
}

func TestApportion(t *testing.T) {
	tests := []struct {
		weights []int
		seats   int
		want    []int
	}{
		{[]int{50, 30, 20}, 10, []int{5, 3, 2}},
		{[]int{1, 1, 1}, 2, []int{1, 1, 0}},
		{[]int{60, 25, 15}, 3, []int{2, 1, 0}},
		{[]int{10, 10}, 0, []int{0, 0}},
	}
	for _, tt := range tests {
		got := apportion(tt.weights, tt.seats)
		if !slices.Equal(got, tt.want) {
			t.Errorf("apportion(%v, %d) = %v, want %v", tt.weights, tt.seats, got, tt.want)
		}
	}
}

func TestOptions(t *testing.T) {
	start := rdv.Date{Year: 2026, Month: time.December, Day: 7}
	tests := []struct {
		name  string
		opts  Options
		field string
	}{
		{"no start", Options{Seed: 1}, "start"},
		{"no such day", Options{Start: rdv.Date{Year: 2026, Month: time.February, Day: 30}}, "start"},
		{"negative weeks", Options{Start: start, Weeks: -1}, "weeks"},
		{"too many weeks", Options{Start: start, Weeks: 105}, "weeks"},
		{"negative patients", Options{Start: start, Patients: -5}, "patients"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(tt.opts)
			if rdv.ErrorCode(err) != rdv.EINVALID || rdv.ErrorField(err) != tt.field {
				t.Errorf("Build = %v, want invalid %s", err, tt.field)
			}
		})
	}
}

func TestProgressBarPlain(t *testing.T) {
	var buf bytes.Buffer
	progress := ProgressBar(&buf, "slots")
	for i := 0; i <= 1000; i++ {
		progress(i, 1000)
	}
	progress(1000, 1000) // again: nothing more
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	want := []string{"slots: 0% (0/1000)", "slots: 25% (250/1000)", "slots: 50% (500/1000)", "slots: 75% (750/1000)", "slots: 100% (1000/1000)"}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("progress lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestDrawBar(t *testing.T) {
	var buf bytes.Buffer
	drawBar(&buf, "slots", 50, false)
	drawBar(&buf, "slots", 100, true)
	want := "\rslots [###############               ]  50%" + "\rslots [##############################] 100%\n"
	if buf.String() != want {
		t.Errorf("bar %q, want %q", buf.String(), want)
	}
}
