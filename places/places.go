// Package places knows the populated places of Québec and finds them by name
// the way people type them: without accents, in any case, with or without
// hyphens and "Saint"/"St" abbreviations.
//
// It also places Québec's postal codes (see postal.go).
//
// The data comes from GeoNames (https://www.geonames.org/), licensed CC BY
// 4.0; see README.md in this directory.
package places

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Place is a populated place.
type Place struct {
	GeonamesID int64
	Name       string
	Population int
	Lat, Lon   float64
}

//go:embed quebec-places.csv
var placesCSV string

// table is the parsed file with the folded keys that Lookup and Suggest
// compare against.
type table struct {
	places []Place        // file order: most populous first
	byKey  map[string]int // folded full name -> first (most populous) place
	tails  [][]string     // per place, folded name from each word on
}

// load parses the embedded file once, on first use: most programs that
// import the package never call it.
var load = sync.OnceValue(func() *table {
	t, err := parse(strings.NewReader(placesCSV))
	if err != nil {
		// The file is embedded and checked by the tests: a parse error is
		// a build defect, not a run-time condition.
		panic(fmt.Sprintf("places: %v", err))
	}
	return t
})

func parse(r io.Reader) (*table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 5
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read places: %w", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("read places: empty file")
	}
	t := &table{byKey: make(map[string]int, len(rows))}
	for i, row := range rows[1:] {
		p, err := parseRow(row)
		if err != nil {
			return nil, fmt.Errorf("places line %d: %w", i+2, err)
		}
		words := foldWords(p.Name, false)
		key := strings.Join(words, "")
		if _, dup := t.byKey[key]; !dup {
			t.byKey[key] = len(t.places)
		}
		tails := make([]string, len(words))
		for w := range words {
			tails[w] = strings.Join(words[w:], "")
		}
		t.places = append(t.places, p)
		t.tails = append(t.tails, tails)
	}
	return t, nil
}

func parseRow(row []string) (Place, error) {
	id, err := strconv.ParseInt(row[0], 10, 64)
	if err != nil {
		return Place{}, fmt.Errorf("geonames id: %w", err)
	}
	pop, err := strconv.Atoi(row[2])
	if err != nil {
		return Place{}, fmt.Errorf("population: %w", err)
	}
	lat, err := strconv.ParseFloat(row[3], 64)
	if err != nil {
		return Place{}, fmt.Errorf("latitude: %w", err)
	}
	lon, err := strconv.ParseFloat(row[4], 64)
	if err != nil {
		return Place{}, fmt.Errorf("longitude: %w", err)
	}
	return Place{GeonamesID: id, Name: row[1], Population: pop, Lat: lat, Lon: lon}, nil
}

// All returns every place, most populous first. The slice is a copy.
func All() []Place {
	t := load()
	return append([]Place(nil), t.places...)
}

// Lookup finds a place by name, ignoring case, accents, hyphens and
// apostrophes ("montreal", "Saint-Jerome", "st-jerome"), reading the short
// forms of aliases ("Mtl", "TR") and a province added after the name
// ("Lévis, Qc"). When two places share a name, the more populous one wins.
func Lookup(name string) (Place, bool) {
	t := load()
	words := foldWords(name, false)
	i, ok := t.byKey[strings.Join(words, "")]
	if !ok && len(words) > 1 && words[len(words)-1] == province {
		i, ok = t.byKey[strings.Join(words[:len(words)-1], "")]
	}
	if !ok {
		return Place{}, false
	}
	return t.places[i], true
}

// Suggest returns up to n places whose name (or a word of it) starts with
// prefix, most populous first: the type-ahead of the search form. An empty
// prefix suggests nothing.
func Suggest(prefix string, n int) []Place {
	if n <= 0 {
		return nil
	}
	// The last word may be unfinished: "st" is both the start of
	// "Stanstead" and the abbreviation of "Saint", so both readings count.
	literal := strings.Join(foldWords(prefix, true), "")
	expanded := strings.Join(foldWords(prefix, false), "")
	if literal == "" {
		return nil
	}
	t := load()
	var out []Place
	for i, tails := range t.tails {
		for _, tail := range tails {
			if strings.HasPrefix(tail, literal) || strings.HasPrefix(tail, expanded) {
				out = append(out, t.places[i])
				break
			}
		}
		if len(out) == n {
			break
		}
	}
	return out
}

// aliases are the short forms people type for a word of a place name, by
// folded word: « St-Jérôme », « Ste-Julie », « Mtl », « Qc » (the city of
// Québec, or the province after a town's name), « TR » (Trois-Rivières). A
// short form counts only as a whole word, so "Stanstead" stays itself, and
// reads the same in the list's names, so "St-Jean-Port-Joli" as GeoNames
// writes it is found as Saint-Jean-Port-Joli too. Keep the table small.
var aliases = map[string]string{
	"st":  "saint",
	"ste": "sainte",
	"mtl": "montreal",
	"qc":  "quebec",
	"tr":  "troisrivieres",
}

// province is the folded word that people add after a town's name
// (« Lévis, Qc », « Gatineau (Québec) »): Lookup tries without it.
const province = "quebec"

// foldWords splits s into lower-case words without accents, treating
// anything that is not a letter or digit (hyphens, apostrophes, spaces,
// dots) as a separator, and expands the short forms of aliases. With
// keepLast the last word is left as typed, for prefixes.
func foldWords(s string, keepLast bool) []string {
	var words []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			words = append(words, b.String())
			b.Reset()
		}
	}
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// accent split off by NFD
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	for i, w := range words {
		if keepLast && i == len(words)-1 {
			break
		}
		if full, ok := aliases[w]; ok {
			words[i] = full
		}
	}
	return words
}
