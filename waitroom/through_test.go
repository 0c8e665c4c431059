package waitroom

import (
	"net/http"
	"strings"

	"rdv/admission"
)

// throughRoutes are the routes these tests send past the room, as the
// routes' owner would give them (the real table is tested where it is
// built).
var throughRoutes = func() *http.ServeMux {
	mux := http.NewServeMux()
	for _, pattern := range []string{
		"GET /healthz", "GET /readyz", "GET /static/{file}",
		"/operateur", "/operateur/", "/connexion", "/clinique", "/agent/demandes", "/demande", "/api/v1/requests",
		"POST /api/v1/appointments", "GET /api/v1/appointments/{id}",
		"GET /reservation/{hold}", "POST /reservation/{hold}", "POST /rendez-vous/{id}/annuler",
	} {
		mux.Handle(pattern, http.NotFoundHandler())
	}
	return mux
}()

// testFormat answers in JSON what the test routes' API would, and in FHIR
// what their FHIR API would: the route table's owner decides it in the
// platform (route.Table.Format).
func testFormat(r *http.Request) admission.Format {
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/"):
		return admission.JSON
	case strings.HasPrefix(r.URL.Path, "/fhir/"):
		return admission.FHIR
	}
	return admission.Page
}

// testThrough lets past the room what throughRoutes match.
func testThrough(r *http.Request) bool {
	_, pattern := throughRoutes.Handler(r)
	return pattern != ""
}
