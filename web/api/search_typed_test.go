package api

import (
	"testing"

	"rdv/places"
)

// TestSearchWhatPeopleType: the place parameter and the type-ahead read
// short forms and postal codes; an empty search names the next free slot.
func TestSearchWhatPeopleType(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	en := map[string]string{"Accept-Language": "en"}
	scenarios := []scenario{
		{name: "short form", req: request{method: "GET", url: "/api/v1/slots?place=mtl&service=general&limit=1"}, wantStatus: 200,
			want: []string{`"city":"Montréal"`}, notWant: []string{`"next_free"`}},
		{name: "saint abbreviated", req: request{method: "GET", url: "/api/v1/slots?place=St-J%C3%A9r%C3%B4me&service=general&radius_km=50&limit=1"}, wantStatus: 200,
			want: []string{`"city":"Laval"`}},
		{name: "province after the town", req: request{method: "GET", url: "/api/v1/slots?place=Laval,+Qc&service=general&limit=1"}, wantStatus: 200,
			want: []string{`"city":"Laval"`}},
		// Sherbrooke has no clinic within 25 km: the next free slot is the
		// Plateau's first, about 130 km away.
		{name: "next free", req: request{method: "GET", url: "/api/v1/slots?place=Sherbrooke&service=general&to=2030-03-06"}, wantStatus: 200,
			want: []string{`{"slots":[],"next_free":{"id":1,"start":"2030-03-04T09:00:00-05:00"`, `"clinic":{"id":1,"name":"Clinique du Plateau"`, `"distance_km":13`}},
		{name: "nothing anywhere", req: request{method: "GET", url: "/api/v1/slots?place=Montr%C3%A9al&service=general&from=2030-04-01"}, wantStatus: 200,
			want: []string{"{\"slots\":[]}\n"}, notWant: []string{`"next_free"`}},
		{name: "postal code outside Québec", req: request{method: "GET", url: "/api/v1/slots?place=K1A+0B1&service=general"}, wantStatus: 422,
			want: []string{`"code":"invalid_field"`, `"field":"place"`, "n'est pas au Québec"}},
		{name: "postal code outside Québec in English", req: request{method: "GET", url: "/api/v1/slots?place=m5v&service=general", headers: en}, wantStatus: 422,
			want: []string{`"field":"place"`, "not in Québec"}},
		{name: "unknown place keeps its message", req: request{method: "GET", url: "/api/v1/slots?place=Atlantis&service=general"}, wantStatus: 422,
			want: []string{`"code":"invalid_field"`, `"field":"place"`, "Le lieu (place) est invalide."}},
		{name: "type-ahead short form", req: request{method: "GET", url: "/api/v1/places?q=mtl"}, wantStatus: 200,
			want: []string{`{"places":[{"name":"Montréal"`}},
		{name: "type-ahead saint", req: request{method: "GET", url: "/api/v1/places?q=st-j%C3%A9r"}, wantStatus: 200,
			want: []string{`{"places":[{"name":"Saint-Jérôme"`}},
	}
	if places.PostalAreas() == 0 {
		scenarios = append(scenarios,
			scenario{name: "postal code not placed yet", req: request{method: "GET", url: "/api/v1/slots?place=H2X+1Y4&service=general"}, wantStatus: 422,
				want: []string{`"code":"invalid_field"`, `"field":"place"`, "ne peut pas encore être situé"}},
			scenario{name: "postal code not placed yet in English", req: request{method: "GET", url: "/api/v1/slots?place=h2x&service=general", headers: en}, wantStatus: 422,
				want: []string{"cannot be placed yet"}},
		)
	}
	a.runScenarios(t, scenarios)
}
