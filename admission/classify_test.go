package admission

import (
	"net/http"
	"strings"
)

// testRoutes are the classes of the paths these tests send, as the
// routes' owner would give them (the real table is tested where it is
// built).
var testRoutes = func() *http.ServeMux {
	mux := http.NewServeMux()
	for pattern, c := range map[string]Class{
		"POST /api/v1/appointments": Critical,
		"POST /api/v1/holds":        Hold,
		"GET /api/v1/slots":         Search,
		"GET /recherche":            Search,
		"GET /healthz":              Exempt,
		"GET /readyz":               Exempt,
		"/operateur":                OperatorPage,
		"/operateur/":               OperatorPage,
	} {
		mux.Handle(pattern, classHandler(c))
	}
	return mux
}()

// classHandler carries a class in a mux.
type classHandler Class

func (classHandler) ServeHTTP(http.ResponseWriter, *http.Request) {}

// testClassify classifies by testRoutes: browsing when none matches.
// testFormat answers in JSON what the test routes' API would, and in FHIR
// what their FHIR API would: the route table's owner decides it in the
// platform (route.Table.Format).
func testFormat(r *http.Request) Format {
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/"):
		return JSON
	case strings.HasPrefix(r.URL.Path, "/fhir/"):
		return FHIR
	}
	return Page
}

func testClassify(r *http.Request) Class {
	if h, pattern := testRoutes.Handler(r); pattern != "" {
		if c, ok := h.(classHandler); ok {
			return Class(c)
		}
	}
	return Browse
}
