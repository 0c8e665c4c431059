package route

import (
	"net/http/httptest"
	"strings"
	"testing"

	"rdv"
	"rdv/admission"
)

func whole() Route {
	return Route{Pattern: "GET /x/{clinic}", Class: admission.Search, Room: Held, ReadOnly: Allowed, FormsOnly: Allowed, Policy: Public}
}

// TestTableRefusesIncompleteRoutes: a route lacking any attribute, its
// policy first, or a pattern in conflict with another, makes no table.
func TestTableRefusesIncompleteRoutes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*Route)
		want string
	}{
		{"no policy", func(r *Route) { r.Policy = Policy{} }, "no policy"},
		{"staff without roles", func(r *Route) { r.Policy = Policy{Access: Staff} }, "without roles"},
		{"token without scope", func(r *Route) { r.Policy = Policy{Access: ClinicToken} }, "without a scope"},
		{"unknown scope", func(r *Route) { r.Policy = TokenScope("admin") }, "unknown scope"},
		{"scope on a public route", func(r *Route) { r.Policy = Policy{Access: Anyone, Scope: rdv.ScopeAgendaRead} }, "neither"},
		{"clinic in path without one", func(r *Route) {
			r.Pattern = "GET /y"
			r.Policy = Policy{Access: Staff, Roles: []rdv.Role{rdv.ClinicAdmin}, ClinicInPath: true}
		}, "clinic in path"},
		{"no waiting-room rule", func(r *Route) { r.Room = 0 }, "waiting-room"},
		{"no read-only rule", func(r *Route) { r.ReadOnly = 0 }, "read-only"},
		{"no forms-only rule", func(r *Route) { r.FormsOnly = 0 }, "forms-only"},
		{"no class", func(r *Route) { r.Class = -1 }, "class"},
		{"no pattern", func(r *Route) { r.Pattern = "" }, "pattern"},
	}
	for _, tt := range tests {
		rt := whole()
		tt.edit(&rt)
		if _, err := NewTable([]Route{rt}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error about %q", tt.name, err, tt.want)
		}
	}
	if _, err := NewTable([]Route{whole()}, []Route{whole()}); err == nil {
		t.Error("a pattern twice made a table")
	}
	if _, err := NewTable([]Route{whole()}); err != nil {
		t.Errorf("a whole route: %v", err)
	}
}

// TestPolicyCheck: roles, and a clinic named in the path.
func TestPolicyCheck(t *testing.T) {
	t.Parallel()
	admin := &rdv.Account{Role: rdv.ClinicAdmin, ClinicID: 1}
	agent := &rdv.Account{Role: rdv.PhoneAgent}
	p := Policy{Access: Staff, Roles: []rdv.Role{rdv.ClinicAdmin, rdv.PhoneAgent}, ClinicInPath: true}
	tb, err := NewTable([]Route{{Pattern: "GET /c/{clinic}", Class: admission.Hold, Room: Through, ReadOnly: Allowed, FormsOnly: Refused, Policy: p}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		a    *rdv.Account
		want Verdict
	}{
		{"/c/1", nil, SignIn},
		{"/c/1", admin, Allow},
		{"/c/2", admin, Forbidden},
		{"/c/x", admin, Forbidden},
		{"/c/2", agent, Allow}, // not bound to a clinic
		{"/c/1", &rdv.Account{Role: rdv.Receptionist, ClinicID: 1}, Forbidden},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", tt.path, nil)
		r.SetPathValue("clinic", strings.TrimPrefix(tt.path, "/c/"))
		if got := tb.Lookup(r).Policy.Check(tt.a, r); got != tt.want {
			t.Errorf("%s as %+v: %d, want %d", tt.path, tt.a, got, tt.want)
		}
	}
	if Public.Check(nil, httptest.NewRequest("GET", "/", nil)) != Allow {
		t.Error("public refused someone not signed in")
	}
}
