package api

import (
	_ "embed"
	"net/http"
)

// openAPIDoc is the OpenAPI 3.1 description of every route of the API. A
// test checks it against the route table and real responses.
//
//go:embed openapi.json
var openAPIDoc []byte

// openAPI answers GET /api/v1/openapi.json.
func (s *server) openAPI(w http.ResponseWriter, r *http.Request) {
	writeCached(w, openAPIDoc)
}
