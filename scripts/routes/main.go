// Command routes prints the route table that rdv serve builds (the pages,
// the JSON API and the FHIR API), one JSON object a line: its pattern and
// who may call it. scripts/sqlmap.sh takes its targets from it, so that
// a route added to a table is attacked without being listed again.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"rdv/fhir"
	"rdv/route"
	"rdv/web"
	"rdv/web/api"
)

// entry is one route as printed.
type entry struct {
	Pattern string   `json:"pattern"`
	Access  string   `json:"access"`
	Roles   []string `json:"roles,omitempty"`
	Scope   string   `json:"scope,omitempty"`
	// Enrolment: open to a staff session opened with a password alone.
	Enrolment bool `json:"enrolment,omitempty"`
}

var accesses = map[route.Access]string{
	route.Anyone:      "anyone",
	route.Link:        "link",
	route.Staff:       "staff",
	route.Patient:     "patient",
	route.ClinicToken: "clinic_token",
}

func main() {
	t, err := route.NewTable(web.Routes(), api.Routes(), fhir.Routes())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out := json.NewEncoder(os.Stdout)
	for _, rt := range t.Routes() {
		e := entry{Pattern: rt.Pattern, Access: accesses[rt.Policy.Access], Scope: string(rt.Policy.Scope), Enrolment: rt.Policy.Enrolment}
		for _, r := range rt.Policy.Roles {
			e.Roles = append(e.Roles, string(r))
		}
		if err := out.Encode(e); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
