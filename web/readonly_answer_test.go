package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"rdv"
)

// alwaysReadOnly is a store whose switch is stuck on read-only mode; it
// answers nothing else.
type alwaysReadOnly struct{ rdv.Store }

func (alwaysReadOnly) Modes(context.Context) (rdv.Modes, error) {
	return rdv.Modes{ReadOnly: true}, nil
}
func (alwaysReadOnly) SetModes(context.Context, rdv.Modes) error { return nil }

// TestReadOnlyAnswerIsDocumented checks read-only mode's API refusal
// against the API's OpenAPI document: it is written here, outside package
// api, so the document's own tests never see it. Package api's schema
// validator cannot be imported from here (api is imported by web), so
// this checks what the Error schema constrains for this body: the status
// is documented, the code is listed, no property is undocumented, the
// required ones are present.
func TestReadOnlyAnswerIsDocumented(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	type object struct {
		Properties           map[string]json.RawMessage `json:"properties"`
		Required             []string                   `json:"required"`
		AdditionalProperties *bool                      `json:"additionalProperties"`
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Ref string `json:"$ref"`
			} `json:"responses"`
		} `json:"paths"`
		Components struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
			Schemas struct {
				Error object `json:"Error"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	errSchema := doc.Components.Schemas.Error
	var inner object
	var codes struct {
		Properties struct {
			Code struct {
				Enum []string `json:"enum"`
			} `json:"code"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(errSchema.Properties["error"], &inner); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(errSchema.Properties["error"], &codes); err != nil {
		t.Fatal(err)
	}
	enum := codes.Properties.Code.Enum

	s := &Server{d: Deps{Store: alwaysReadOnly{}}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h := s.refuseAPIWritesWhenReadOnly(apiRoutes, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot) // let through
	}))
	refused := 0
	for path, ops := range doc.Paths {
		if _, ok := ops["post"]; !ok {
			continue
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, strings.ReplaceAll(path, "{id}", "1"), strings.NewReader("{}")))
		if rec.Code == http.StatusTeapot {
			continue // a write read-only mode still takes
		}
		refused++
		at := "POST " + path
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s: %d, Retry-After %q; want 503 with Retry-After", at, rec.Code, rec.Header().Get("Retry-After"))
			continue
		}
		ref, ok := doc.Paths[path]["post"].Responses["503"]
		if !ok {
			t.Errorf("%s: 503 not documented", at)
			continue
		}
		name, _ := strings.CutPrefix(ref.Ref, "#/components/responses/")
		if got := doc.Components.Responses[name].Content["application/json"].Schema.Ref; got != "#/components/schemas/Error" {
			t.Errorf("%s: 503 documented with schema %q, want Error", at, got)
			continue
		}
		var body map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: not JSON: %v: %s", at, err, rec.Body)
		}
		var e map[string]any
		if err := json.Unmarshal(body["error"], &e); err != nil {
			t.Fatalf("%s: error is not an object: %s", at, rec.Body)
		}
		for _, c := range []struct {
			o    object
			keys []string
		}{{errSchema, keysOf(body)}, {inner, keysOf(e)}} {
			for _, k := range c.keys {
				if _, ok := c.o.Properties[k]; !ok && c.o.AdditionalProperties != nil && !*c.o.AdditionalProperties {
					t.Errorf("%s: undocumented property %q in %s", at, k, rec.Body)
				}
			}
			for _, k := range c.o.Required {
				if !slices.Contains(c.keys, k) {
					t.Errorf("%s: required %q missing from %s", at, k, rec.Body)
				}
			}
		}
		if code, _ := e["code"].(string); code != "read_only" || !slices.Contains(enum, code) {
			t.Errorf("%s: code %q, want read_only listed in %v", at, code, enum)
		}
		if m, _ := e["message"].(string); m == "" {
			t.Errorf("%s: no message: %s", at, rec.Body)
		}
	}
	if refused == 0 {
		t.Fatal("read-only mode refused no documented write")
	}
}

func keysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}
