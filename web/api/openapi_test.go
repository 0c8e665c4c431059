package api

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// openAPI is the part of an OpenAPI document the tests read.
type openAPI struct {
	OpenAPI    string                          `json:"openapi"`
	Paths      map[string]map[string]operation `json:"paths"`
	Components struct {
		Schemas   map[string]*schema   `json:"schemas"`
		Responses map[string]*response `json:"responses"`
	} `json:"components"`
}

type operation struct {
	OperationID string               `json:"operationId"`
	Responses   map[string]*response `json:"responses"`
}

type response struct {
	Ref     string `json:"$ref"`
	Content map[string]struct {
		Schema *schema `json:"schema"`
	} `json:"content"`
}

// schema is the subset of JSON Schema the document uses.
type schema struct {
	Ref                  string             `json:"$ref"`
	Type                 string             `json:"type"`
	Properties           map[string]*schema `json:"properties"`
	Required             []string           `json:"required"`
	AdditionalProperties *bool              `json:"additionalProperties"`
	Items                *schema            `json:"items"`
	Enum                 []any              `json:"enum"`
	AllOf                []*schema          `json:"allOf"`
}

func loadDocument(t *testing.T) *openAPI {
	t.Helper()
	var doc openAPI
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("parse openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	return &doc
}

// TestDocumentMatchesRoutes checks that every route served is documented
// and every documented route is served, and that every reference resolves.
func TestDocumentMatchesRoutes(t *testing.T) {
	doc := loadDocument(t)
	served := map[string]bool{}
	for _, rt := range routes {
		served[rt.Pattern] = true
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			pattern := strings.ToUpper(method) + " " + path
			documented[pattern] = true
			if op.OperationID == "" {
				t.Errorf("%s has no operationId", pattern)
			}
			if len(op.Responses) == 0 {
				t.Errorf("%s documents no response", pattern)
			}
			for status, r := range op.Responses {
				if _, err := doc.resolveResponse(r); err != nil {
					t.Errorf("%s %s: %v", pattern, status, err)
				}
				if code, _ := strconv.Atoi(status); code >= 400 && !strings.Contains(r.Ref, "/responses/") {
					t.Errorf("%s %s: errors must use the shared error responses", pattern, status)
				}
			}
			if strings.HasPrefix(method, "post") {
				if _, ok := op.Responses["400"]; !ok {
					t.Errorf("%s: a POST must document 400", pattern)
				}
				if _, ok := op.Responses["413"]; !ok {
					t.Errorf("%s: a POST must document 413", pattern)
				}
			}
		}
	}
	for p := range served {
		if !documented[p] {
			t.Errorf("route %q is served but not documented", p)
		}
	}
	for p := range documented {
		if !served[p] {
			t.Errorf("route %q is documented but not served", p)
		}
	}
	for name, s := range doc.Components.Schemas {
		if err := doc.checkRefs(s); err != nil {
			t.Errorf("schema %s: %v", name, err)
		}
	}
}

// TestErrorCodesDocumented checks that the error schema lists every code
// the API can answer with.
func TestErrorCodesDocumented(t *testing.T) {
	doc := loadDocument(t)
	codes := doc.Components.Schemas["Error"].Properties["error"].Properties["code"].Enum
	listed := map[string]bool{}
	for _, c := range codes {
		listed[c.(string)] = true
	}
	for _, code := range errorCodes() {
		if !listed[code] {
			t.Errorf("code %s missing from the error schema", code)
		}
	}
}

func (d *openAPI) resolveResponse(r *response) (*response, error) {
	if r.Ref == "" {
		return r, nil
	}
	name, ok := strings.CutPrefix(r.Ref, "#/components/responses/")
	if !ok || d.Components.Responses[name] == nil {
		return nil, fmt.Errorf("unresolved response %s", r.Ref)
	}
	return d.Components.Responses[name], nil
}

func (d *openAPI) resolve(s *schema) (*schema, error) {
	for s != nil && s.Ref != "" {
		name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/")
		if !ok || d.Components.Schemas[name] == nil {
			return nil, fmt.Errorf("unresolved schema %s", s.Ref)
		}
		s = d.Components.Schemas[name]
	}
	return s, nil
}

func (d *openAPI) checkRefs(s *schema) error {
	if s == nil {
		return nil
	}
	if _, err := d.resolve(s); err != nil {
		return err
	}
	for _, p := range s.Properties {
		if err := d.checkRefs(p); err != nil {
			return err
		}
	}
	for _, a := range s.AllOf {
		if err := d.checkRefs(a); err != nil {
			return err
		}
	}
	return d.checkRefs(s.Items)
}

// validate checks v against s: types, required properties, no undocumented
// properties where the schema forbids them, and enums.
func (d *openAPI) validate(s *schema, v any, at string) error {
	s, err := d.resolve(s)
	if err != nil {
		return err
	}
	for _, part := range s.AllOf {
		if err := d.validate(part, v, at); err != nil {
			return err
		}
	}
	if len(s.Enum) > 0 {
		found := false
		for _, e := range s.Enum {
			found = found || e == v
		}
		if !found {
			return fmt.Errorf("%s: %v not in %v", at, v, s.Enum)
		}
	}
	switch s.Type {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %T, want an object", at, v)
		}
		for _, r := range s.Required {
			if _, ok := obj[r]; !ok {
				return fmt.Errorf("%s: required %q missing", at, r)
			}
		}
		for k, x := range obj {
			ps, ok := s.Properties[k]
			if !ok {
				if s.AdditionalProperties != nil && !*s.AdditionalProperties {
					return fmt.Errorf("%s: undocumented property %q", at, k)
				}
				continue
			}
			if err := d.validate(ps, x, at+"."+k); err != nil {
				return err
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: %T, want an array", at, v)
		}
		for i, x := range arr {
			if err := d.validate(s.Items, x, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case "string":
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%s: %T, want a string", at, v)
		}
	case "number":
		if _, ok := v.(float64); !ok {
			return fmt.Errorf("%s: %T, want a number", at, v)
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != float64(int64(f)) {
			return fmt.Errorf("%s: %v, want an integer", at, v)
		}
	}
	return nil
}

// checkAgainstDocument checks every answer a test received: its status is
// documented for its route, and its body carries the documented fields.
func checkAgainstDocument(t *testing.T, seen []exchange) {
	t.Helper()
	doc := loadDocument(t)
	checked := map[string]bool{}
	for _, ex := range seen {
		if ex.pattern == "" || ex.pattern == "/api/" {
			continue // no route: the error format is checked by the scenarios
		}
		method, path, _ := strings.Cut(ex.pattern, " ")
		op, ok := doc.Paths[path][strings.ToLower(method)]
		if !ok {
			t.Errorf("%s answered but is not documented", ex.pattern)
			continue
		}
		r, ok := op.Responses[strconv.Itoa(ex.status)]
		if !ok {
			t.Errorf("%s answered %d, which is not documented: %s", ex.pattern, ex.status, ex.body)
			continue
		}
		r, err := doc.resolveResponse(r)
		if err != nil {
			t.Error(err)
			continue
		}
		s := r.Content["application/json"].Schema
		var v any
		if err := json.Unmarshal(ex.body, &v); err != nil {
			t.Errorf("%s %d: not JSON: %v", ex.pattern, ex.status, err)
			continue
		}
		if err := doc.validate(s, v, "body"); err != nil {
			t.Errorf("%s %d: %v; body %s", ex.pattern, ex.status, err, ex.body)
		}
		checked[fmt.Sprintf("%s %d", ex.pattern, ex.status)] = true
	}
	if testing.Verbose() {
		keys := make([]string, 0, len(checked))
		for k := range checked {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t.Logf("answers checked against the document: %s", strings.Join(keys, ", "))
	}
}

// TestValidatorCatchesDrift makes sure the document check would notice an
// answer that lost a required field, gained an undocumented one or
// changed a type.
func TestValidatorCatchesDrift(t *testing.T) {
	doc := loadDocument(t)
	slot := &schema{Ref: "#/components/schemas/Slot"}
	good := `{"id":1,"start":"s","end":"e","service":"general","clinic":{"id":1,"name":"n","city":"c"},"practitioner":{"id":2,"name":"p"},"distance_km":1.5}`
	tests := []struct {
		name, body string
		ok         bool
	}{
		{"good", good, true},
		{"missing start", strings.Replace(good, `"start":"s",`, "", 1), false},
		{"undocumented field", strings.Replace(good, `"id":1,`, `"id":1,"secret":1,`, 1), false},
		{"wrong type", strings.Replace(good, `"id":1,"start"`, `"id":"1","start"`, 1), false},
		{"unknown service", strings.Replace(good, "general", "dentist", 1), false},
		{"nested missing", strings.Replace(good, `"name":"p"`, `"x":"p"`, 1), false},
	}
	for _, tt := range tests {
		var v any
		if err := json.Unmarshal([]byte(tt.body), &v); err != nil {
			t.Fatal(err)
		}
		if err := doc.validate(slot, v, "slot"); (err == nil) != tt.ok {
			t.Errorf("%s: validate = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}
