package fhir

import (
	"net/http"
	"strings"
	"time"
)

// paramDef is one search parameter a resource type supports.
type paramDef struct{ name, typ string }

// searchParamDefs are the search parameters of each type: the searches
// read them (names) and the CapabilityStatement lists them, from this one
// table.
var searchParamDefs = map[string][]paramDef{
	"Location":          {{"_id", "token"}, {"name", "string"}, {"address-city", "string"}, {"near", "special"}, {"organization", "reference"}},
	"Organization":      {{"_id", "token"}, {"name", "string"}},
	"Practitioner":      {{"_id", "token"}, {"name", "string"}},
	"PractitionerRole":  {{"_id", "token"}, {"practitioner", "reference"}, {"location", "reference"}, {"organization", "reference"}},
	"HealthcareService": {{"_id", "token"}, {"location", "reference"}, {"organization", "reference"}, {"service-type", "token"}},
	"Schedule":          {{"_id", "token"}, {"actor", "reference"}, {"service-type", "token"}},
	"Slot": {{"service-type", "token"}, {"start", "date"}, {"schedule", "reference"}, {"schedule.actor", "reference"},
		{"status", "token"}, {"near", "special"}, {"schedule.actor:Location.near", "special"}},
	"Appointment": {{"_id", "token"}, {"date", "date"}, {"status", "token"}, {"practitioner", "reference"}, {"actor", "reference"}, {"slot", "reference"}},
}

// names returns the names of a type's search parameters.
func names(typ string) []string {
	var out []string
	for _, p := range searchParamDefs[typ] {
		out = append(out, p.name)
	}
	return out
}

// CapabilityStatement says what this server does.
type CapabilityStatement struct {
	ResourceType   string             `json:"resourceType"`
	Language       string             `json:"language,omitempty"`
	Status         string             `json:"status"`
	Date           string             `json:"date"`
	Publisher      string             `json:"publisher,omitempty"`
	Kind           string             `json:"kind"`
	Software       *capSoftware       `json:"software,omitempty"`
	Implementation *capImplementation `json:"implementation,omitempty"`
	FhirVersion    string             `json:"fhirVersion"`
	Format         []string           `json:"format"`
	Rest           []capRest          `json:"rest"`
}

type capSoftware struct {
	Name string `json:"name"`
}

type capImplementation struct {
	Description string `json:"description"`
	URL         string `json:"url,omitempty"`
}

type capRest struct {
	Mode     string        `json:"mode"`
	Resource []capResource `json:"resource"`
}

type capResource struct {
	Type        string           `json:"type"`
	Interaction []capInteraction `json:"interaction"`
	SearchParam []capSearchParam `json:"searchParam,omitempty"`
	Operation   []capOperation   `json:"operation,omitempty"`
}

type capInteraction struct {
	Code string `json:"code"`
}

type capSearchParam struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type capOperation struct {
	Name       string `json:"name"`
	Definition string `json:"definition"`
}

// ihe is the canonical base of the IHE scheduling profile's operations.
const ihe = "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition/"

// capabilities lists what the routes serve, by type: the
// CapabilityStatement is built from the route table and the search
// parameters' table, so that it cannot promise what the server does not
// serve.
func capabilities(table []fhirRoute) capRest {
	byType := map[string]*capResource{}
	var order []string
	for _, rt := range table {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		rest, ok := strings.CutPrefix(path, "/fhir/")
		typ, tail, _ := strings.Cut(rest, "/")
		if !ok || method != http.MethodGet && method != http.MethodPost || typ == "metadata" || strings.HasPrefix(typ, "$") {
			continue
		}
		res := byType[typ]
		if res == nil {
			res = &capResource{Type: typ}
			byType[typ] = res
			order = append(order, typ)
			for _, p := range searchParamDefs[typ] {
				res.SearchParam = append(res.SearchParam, capSearchParam{Name: p.name, Type: p.typ})
			}
		}
		switch {
		case tail == "{id}":
			res.Interaction = append(res.Interaction, capInteraction{Code: "read"})
		case tail == "" && method == http.MethodGet:
			res.Interaction = append(res.Interaction, capInteraction{Code: "search-type"})
		case strings.HasPrefix(tail, "$") && method == http.MethodPost:
			op := strings.TrimPrefix(tail, "$")
			res.Operation = append(res.Operation, capOperation{Name: op, Definition: ihe + "appointment-" + op})
		}
	}
	rest := capRest{Mode: "server"}
	for _, typ := range order {
		rest.Resource = append(rest.Resource, *byType[typ])
	}
	return rest
}

// metadata answers GET /fhir/metadata: the CapabilityStatement.
func (s *Server) metadata(w http.ResponseWriter, r *http.Request) {
	l := lang(r)
	cs := CapabilityStatement{
		ResourceType: "CapabilityStatement", Language: l, Status: "active",
		Date: time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02"), Kind: "instance",
		Software:       &capSoftware{Name: "rdv"},
		Implementation: &capImplementation{Description: capDescription[l == "en"], URL: s.base},
		FhirVersion:    "4.0.1", Format: []string{"json"},
	}
	cs.Rest = []capRest{s.capabilities}
	w.Header().Set("Cache-Control", "public, max-age=300")
	s.write(w, r, http.StatusOK, cs)
}

// capDescription describes the server, French [false] and English [true].
var capDescription = map[bool]string{
	false: "rdv : rendez-vous médicaux du réseau de cliniques. Disponibilités (Slot), prise de rendez-vous ($find, $hold, $book) et SMART Scheduling Links (/fhir/$bulk-publish).",
	true:  "rdv: medical appointments of the clinic network. Availability (Slot), booking ($find, $hold, $book) and SMART Scheduling Links (/fhir/$bulk-publish).",
}
