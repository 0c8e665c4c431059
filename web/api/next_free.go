package api

import (
	"errors"

	"rdv/availability"
	"rdv/places"
)

// appendNextFree appends, for a search that found nothing, the next free
// slot beyond its dates and radius (see availability.Index.NextFree) as
// `,"next_free":{...}`, with its distance from the searched point; nothing
// when the network has none. Searches that find slots never come here.
func (s *server) appendNextFree(b []byte, q availability.Query) []byte {
	res, ok := s.Index.NextFree(q)
	if !ok {
		return b
	}
	b = append(b, `,"next_free":`...)
	return s.appendSlot(b, res, true)
}

// placeMessages say why a place could not be used when it is a postal
// code: the error keeps the code and field of an unknown place.
var placeMessages = []struct {
	err error
	t   text
}{
	{places.ErrPostalCodeOutside, text{
		"Ce code postal (place) n'est pas au Québec : entrez un code postal qui commence par G, H ou J, ou le nom d'une ville.",
		"This postal code (place) is not in Québec: use a postal code starting with G, H or J, or a town's name."}},
	{places.ErrPostalCodeUnknown, text{
		"Ce code postal (place) ne peut pas encore être situé : entrez plutôt le nom d'une ville.",
		"This postal code (place) cannot be placed yet: use a town's name instead."}},
}

// placeMessage returns the message for a postal code that a search could
// not use, if err is about one.
func placeMessage(lang string, err error) (string, bool) {
	for _, m := range placeMessages {
		if errors.Is(err, m.err) {
			return m.t.in(lang), true
		}
	}
	return "", false
}
