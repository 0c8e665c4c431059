package main

import (
	"net/http"
	"time"

	"rdv"
	"rdv/fhir"
	"rdv/web/api"
)

// fhirParties is who the FHIR API reads and changes a clinic's
// appointments for: a clinic's API token when the request carries one
// (the JSON API reads it, within its scopes), else its staff's session,
// the pages' own. A token that opens nothing is refused, never taken for
// a visitor without one.
func fhirParties(store rdv.Store) fhir.Authorizer {
	tokens := fhir.ClinicTokens(func(r *http.Request) (rdv.ClinicToken, bool, error) {
		if !api.HasBearer(r) {
			return rdv.ClinicToken{}, false, nil
		}
		t, err := api.ClinicToken(r.Context(), store, r, time.Now())
		return t, true, err
	})
	return fhir.AnyOf(tokens, fhir.StaffSessions(store))
}
