// Package places knows the populated places of Québec (GeoNames, CC BY 4.0)
// and finds them by name the way people type them: without accents, in any
// case, with or without hyphens and "Saint"/"St" abbreviations.
package places

// Place is a populated place.
type Place struct {
	GeonamesID int64
	Name       string
	Population int
	Lat, Lon   float64
}

// All returns every place, most populous first.
func All() []Place { panic("todo") }

// Lookup finds a place by name, ignoring case, accents, hyphens and
// apostrophes ("montreal", "Saint-Jerome", "st-jerome").
func Lookup(name string) (Place, bool) { panic("todo") }

// Suggest returns up to n places whose name (or a word of it) starts with
// prefix, most populous first: the type-ahead of the search form.
func Suggest(prefix string, n int) []Place { panic("todo") }
