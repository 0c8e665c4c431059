package places

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// Canadian postal codes read A1A 1A1. The first three characters, the
// forward sortation area (FSA), name an area: a few streets of Montréal, or
// a stretch of countryside (a 0 in second place). Québec's FSAs start with
// G (east), H (Montréal) or J (west). A search by postal code starts at
// its FSA's centre: the whole code would place a person more closely, but
// no open data set gives those positions, and a search by distance in
// steps of kilometres does not need them.

// Errors of Resolve.
var (
	// ErrUnknownPlace: neither a place of the list nor a postal code.
	ErrUnknownPlace = errors.New("unknown place")
	// ErrPostalCodeOutside: a Canadian postal code outside Québec.
	ErrPostalCodeOutside = errors.New("postal code outside Québec")
	// ErrPostalCodeUnknown: a Québec postal code whose area is not in the
	// embedded table (see README.md).
	ErrPostalCodeUnknown = errors.New("unknown postal code area")
)

// PostalArea is a forward sortation area and its centre.
type PostalArea struct {
	FSA      string // "H2X"
	Name     string // the source's name for the area
	Lat, Lon float64
}

//go:embed quebec-fsa.txt
var fsaText string

// loadFSA parses the embedded table once, on first use.
var loadFSA = sync.OnceValue(func() map[string]PostalArea {
	m, err := parseFSA(strings.NewReader(fsaText))
	if err != nil {
		// Embedded and checked by the tests: a build defect.
		panic(fmt.Sprintf("places: %v", err))
	}
	return m
})

// parseFSA reads postal areas in the format of GeoNames' postal code files
// (tab-separated: country, code, place name, three pairs of admin name and
// code, latitude, longitude, accuracy), so that the table is their
// Québec rows as they are. Lines starting with # are comments; rows
// outside Québec are skipped, so a whole country file reads too.
func parseFSA(r io.Reader) (map[string]PostalArea, error) {
	m := map[string]PostalArea{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 11 {
			return nil, fmt.Errorf("postal codes line %d: %d fields, want at least 11", n, len(f))
		}
		_, fsa, ok := ParsePostalCode(f[1])
		if !ok || len(f[1]) != 3 {
			return nil, fmt.Errorf("postal codes line %d: %q is not a forward sortation area", n, f[1])
		}
		if !inQuebec(fsa) {
			continue
		}
		lat, err := strconv.ParseFloat(f[9], 64)
		if err != nil {
			return nil, fmt.Errorf("postal codes line %d: latitude: %w", n, err)
		}
		lon, err := strconv.ParseFloat(f[10], 64)
		if err != nil {
			return nil, fmt.Errorf("postal codes line %d: longitude: %w", n, err)
		}
		if _, dup := m[fsa]; dup {
			return nil, fmt.Errorf("postal codes line %d: %s twice", n, fsa)
		}
		m[fsa] = PostalArea{FSA: fsa, Name: f[2], Lat: lat, Lon: lon}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read postal codes: %w", err)
	}
	return m, nil
}

// PostalAreas returns how many of Québec's postal areas the embedded table
// places.
func PostalAreas() int { return len(loadFSA()) }

// LookupPostalArea returns the area of a forward sortation area ("H2X").
func LookupPostalArea(fsa string) (PostalArea, bool) {
	a, ok := loadFSA()[fsa]
	return a, ok
}

// ParsePostalCode reads a Canadian postal code as people type it, whole
// (« H2X 1Y4 », « h2x1y4 », « H2X-1Y4 ») or its first three characters
// (« H2X »). It returns the code written the usual way ("H2X 1Y4") and its
// forward sortation area ("H2X"); ok is false for anything else.
func ParsePostalCode(s string) (code, fsa string, ok bool) {
	var b [6]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '-' || c == '\t':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'):
		default:
			return "", "", false
		}
		if n == len(b) {
			return "", "", false
		}
		b[n] = c
		n++
	}
	if n != 3 && n != 6 {
		return "", "", false
	}
	for i := 0; i < n; i++ {
		if i%2 == 1 && !isDigit(b[i]) || i%2 == 0 && !postalLetter(b[i], i == 0) {
			return "", "", false
		}
	}
	fsa = string(b[:3])
	if n == 3 {
		return fsa, fsa, true
	}
	return fsa + " " + string(b[3:6]), fsa, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// postalLetter reports whether Canada Post uses c there: never D, F, I, O,
// Q or U (they read like digits), and never W or Z first.
func postalLetter(c byte, first bool) bool {
	if c < 'A' || c > 'Z' || strings.IndexByte("DFIOQU", c) >= 0 {
		return false
	}
	return !first || (c != 'W' && c != 'Z')
}

// inQuebec reports whether a forward sortation area is in Québec.
func inQuebec(fsa string) bool {
	return fsa != "" && strings.IndexByte("GHJ", fsa[0]) >= 0
}

// Resolve finds where a search starts from what a person typed: a postal
// code (whole or its first three characters), placed at the centre of its
// area and named as typed (« H2X 1Y4 »), or else a place name as Lookup
// reads it. Its errors are ErrUnknownPlace, ErrPostalCodeOutside and
// ErrPostalCodeUnknown, for a message that tells which.
func Resolve(s string) (Place, error) {
	if code, fsa, ok := ParsePostalCode(s); ok {
		if !inQuebec(fsa) {
			return Place{}, fmt.Errorf("resolve %s: %w", code, ErrPostalCodeOutside)
		}
		a, ok := LookupPostalArea(fsa)
		if !ok {
			return Place{}, fmt.Errorf("resolve %s: %w", code, ErrPostalCodeUnknown)
		}
		return Place{Name: code, Lat: a.Lat, Lon: a.Lon}, nil
	}
	p, ok := Lookup(s)
	if !ok {
		return Place{}, ErrUnknownPlace
	}
	return p, nil
}
