package route

import (
	"fmt"
	"net/http"

	"rdv/admission"
)

// Table finds the Route of a request. It matches with an http.ServeMux
// built from the same patterns as the muxes that serve them, so it agrees
// with them on every path, wildcard and method. It is safe for concurrent
// use.
type Table struct {
	mux       *http.ServeMux
	byPattern map[string]*Route
	routes    []Route
}

// unmatchedRead and unmatchedWrite are the Routes of a request no pattern matches (a 404 or a
// 405): browsing, held by the room, public. Degraded modes let such a
// read through and refuse such a write, as they would any write.
var unmatchedRead = Route{Class: admission.Browse, Room: Held, ReadOnly: Allowed, FormsOnly: Allowed, Policy: Public}

var unmatchedWrite = Route{Class: admission.Browse, Room: Held, ReadOnly: Refused, FormsOnly: Refused, Policy: Public}

// NewTable returns the table of every route in sets. A route lacking an
// attribute, or a pattern twice or in conflict with another, is an
// error.
func NewTable(sets ...[]Route) (t *Table, err error) {
	t = &Table{mux: http.NewServeMux(), byPattern: make(map[string]*Route)}
	for _, set := range sets {
		t.routes = append(t.routes, set...)
	}
	defer func() {
		// ServeMux panics on conflicting patterns: a table is built at
		// start, where that is an error to report.
		if v := recover(); v != nil {
			t, err = nil, fmt.Errorf("route table: %v", v)
		}
	}()
	for i := range t.routes {
		rt := &t.routes[i]
		if err := rt.Check(); err != nil {
			return nil, err
		}
		t.mux.Handle(rt.Pattern, http.NotFoundHandler())
		t.byPattern[rt.Pattern] = rt
	}
	return t, nil
}

// Routes returns every route of the table.
func (t *Table) Routes() []Route { return t.routes }

// Lookup returns the route r is for; never nil.
func (t *Table) Lookup(r *http.Request) *Route {
	if _, pattern := t.mux.Handler(r); pattern != "" {
		if rt := t.byPattern[pattern]; rt != nil {
			return rt
		}
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return &unmatchedRead
	}
	return &unmatchedWrite
}

// Class is admission's classify function (admission.Config.Classify).
func (t *Table) Class(r *http.Request) admission.Class { return t.Lookup(r).Class }

// Through is the waiting room's rule (waitroom.Config.Through).
func (t *Table) Through(r *http.Request) bool { return t.Lookup(r).Room == Through }

// Format tells admission control and the waiting room how to answer r
// (admission.Config.Format, waitroom.Config.Format).
func (t *Table) Format(r *http.Request) admission.Format { return t.Lookup(r).Format }
