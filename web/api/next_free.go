package api

import (
	"errors"

	"rdv/availability"
	"rdv/i18n"
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
// Their texts are in texts.go.
var placeMessages = []struct {
	err error
	key string
}{
	{places.ErrPostalCodeOutside, "api.place.outside"},
	{places.ErrPostalCodeUnknown, "api.place.unknown"},
}

// placeMessage returns the message for a postal code that a search could
// not use, if err is about one.
func placeMessage(lang string, err error) (string, bool) {
	for _, m := range placeMessages {
		if errors.Is(err, m.err) {
			return i18n.T(lang, m.key), true
		}
	}
	return "", false
}
