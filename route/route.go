// Package route holds what the platform knows about each of its URLs,
// beside the pattern that registers it: its admission class, whether the
// waiting room lets it through, what the degraded modes do to it, and who
// may call it. The layers that register routes (the pages in package web,
// the JSON API in web/api) each keep one table of Route entries and build
// their mux from it; admission control, the waiting room and the modes
// read the same entries through a Table, so that no other package keeps a
// list of paths of its own, and a route cannot be served without saying
// how overload, the room, the modes and the roles treat it.
package route

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"rdv"
	"rdv/admission"
)

// Room is what the waiting room does to a route while it is open.
type Room int

// Waiting-room rules. The zero value is no rule: a table refuses it.
const (
	// Held routes wait in line: new demand (searching, making a hold,
	// browsing) is let in in turn.
	Held Room = iota + 1
	// Through routes go past the room: probes and static files; the
	// staff consoles, which need a sign-in of their own; the request
	// form, which the waiting page offers instead of waiting; and the
	// requests that finish or undo a booking already started, which need
	// a hold id or an appointment token only a visitor let in could have
	// (see waitroom.Config.Through).
	Through
)

// Mode is what a degraded mode does to a route.
type Mode int

// Mode rules. The zero value is no rule: a table refuses it.
const (
	// Allowed routes work as usual in the mode.
	Allowed Mode = iota + 1
	// Refused routes are answered at once with the mode's refusal: the
	// read-only page, or a 503 in JSON for the API.
	Refused
)

// Access is who may call a route.
type Access int

// Accesses. The zero value is no policy: a table refuses it.
const (
	// Anyone, signed in or not.
	Anyone Access = iota + 1
	// Link routes are a patient's, or a calendar's: anyone may call
	// them, and the handler opens nothing without the hold id, the
	// appointment's token or the calendar feed's secret the URL carries
	// (a wrong one reads as not found).
	Link
	// Staff routes need a signed-in staff account of one of Policy.Roles.
	Staff
	// Patient routes need a signed-in patient account (the patients'
	// sign-in by code, apart from staff's): the handler reaches only that
	// account's appointments and people, and answers another's as not
	// found.
	Patient
	// ClinicToken routes need a clinic's live API token with
	// Policy.Scope (Authorization: Bearer): the handler works on the
	// token's clinic only. The API checks the token, which takes the
	// store: Admit lets these through.
	ClinicToken
)

// Policy is who may call a route.
type Policy struct {
	Access Access
	// Roles are the staff roles allowed (Access Staff).
	Roles []rdv.Role
	// ClinicInPath: the route names its clinic in the {clinic} wildcard,
	// which must be the account's own for a clinic role. Without it a
	// clinic role works on its own clinic, which comes from the account,
	// never from the URL.
	ClinicInPath bool
	// Scope is the API token's scope a ClinicToken route needs. On a
	// staff route it also lets in, instead of a session, a token of the
	// path's clinic with that scope (a clinic's systems doing by API what
	// its admins do).
	Scope rdv.TokenScope
	// Enrolment routes are open to a session opened with a password
	// alone, even for a role that must sign in with a second factor
	// (rdv.Role.RequiresSecondFactor): they are where it sets one up.
	// Every other staff route refuses such a session.
	Enrolment bool
}

// Public is the policy of routes anyone may call.
var Public = Policy{Access: Anyone}

// PatientLink is the policy of routes opened by a patient's link.
var PatientLink = Policy{Access: Link}

// Roles is the policy of staff routes open to roles.
func Roles(roles ...rdv.Role) Policy { return Policy{Access: Staff, Roles: roles} }

// Enrol is the policy of the staff routes where roles set up their
// second factor (Policy.Enrolment).
func Enrol(roles ...rdv.Role) Policy { return Policy{Access: Staff, Roles: roles, Enrolment: true} }

// SignedInPatient is the policy of a patient account's own pages.
var SignedInPatient = Policy{Access: Patient}

// TokenScope is the policy of routes for a clinic's API token with scope.
func TokenScope(scope rdv.TokenScope) Policy { return Policy{Access: ClinicToken, Scope: scope} }

// Verdict is a policy's answer for one caller.
type Verdict int

// Verdicts.
const (
	Allow     Verdict = iota
	SignIn            // no account of the route's kind signed in: sign in first (401, or the sign-in page)
	Forbidden         // signed in, with a role or a clinic the route is not for (403)
)

// Caller is who sends a request: the staff account signed in, if any,
// and the patient account signed in, if any. They are apart (a browser
// may hold both): a patient's session opens no staff route, and a staff
// account no patient's.
type Caller struct {
	Staff   *rdv.Account
	Patient int64 // the signed-in patient account's ID; 0 for none
}

// Check returns the verdict of p for the staff account signed in on r
// (nil: none), with no patient signed in.
func (p Policy) Check(a *rdv.Account, r *http.Request) Verdict {
	return p.Admit(Caller{Staff: a}, r)
}

// Admit returns the verdict of p for c.
func (p Policy) Admit(c Caller, r *http.Request) Verdict {
	switch p.Access {
	case Patient:
		if c.Patient <= 0 {
			return SignIn
		}
		return Allow
	case Staff:
	default:
		return Allow
	}
	a := c.Staff
	if a == nil {
		return SignIn
	}
	if !slices.Contains(p.Roles, a.Role) {
		return Forbidden
	}
	if p.ClinicInPath && a.Role.ClinicBound() {
		id, err := strconv.ParseInt(r.PathValue("clinic"), 10, 64)
		if err != nil || a.ClinicID <= 0 || id != a.ClinicID {
			return Forbidden
		}
	}
	return Allow
}

// Route is one method and path pattern with everything the platform does
// to it before its handler runs.
type Route struct {
	// Pattern is the Go 1.22 mux pattern: "METHOD /path/{param}".
	Pattern string
	// Class is the route's admission priority; admission.OperatorPage
	// makes it exempt for a verified operator and browsing for anyone
	// else.
	Class     admission.Class
	Room      Room
	ReadOnly  Mode // while operators keep the platform read-only
	FormsOnly Mode // while the database is unreachable and only the request form works
	Policy    Policy
	// Format is how admission control and the waiting room answer in
	// front of the route: a page (the zero value), JSON for the API's
	// routes, an OperationOutcome for the FHIR API's.
	Format admission.Format
}

// Check reports what rt lacks, nil when every attribute is set.
func (rt Route) Check() error {
	switch {
	case rt.Pattern == "":
		return fmt.Errorf("route without a pattern")
	case rt.Class < admission.Critical || rt.Class > admission.OperatorPage:
		return fmt.Errorf("route %q: no admission class", rt.Pattern)
	case rt.Room != Held && rt.Room != Through:
		return fmt.Errorf("route %q: no waiting-room rule", rt.Pattern)
	case rt.ReadOnly != Allowed && rt.ReadOnly != Refused:
		return fmt.Errorf("route %q: no read-only rule", rt.Pattern)
	case rt.FormsOnly != Allowed && rt.FormsOnly != Refused:
		return fmt.Errorf("route %q: no forms-only rule", rt.Pattern)
	case rt.Policy.Access < Anyone || rt.Policy.Access > ClinicToken:
		return fmt.Errorf("route %q: no policy", rt.Pattern)
	case rt.Policy.Access == Staff && len(rt.Policy.Roles) == 0:
		return fmt.Errorf("route %q: a staff policy without roles", rt.Pattern)
	case rt.Policy.Access != Staff && (len(rt.Policy.Roles) > 0 || rt.Policy.ClinicInPath || rt.Policy.Enrolment):
		return fmt.Errorf("route %q: roles or a clinic in a policy that is not staff's", rt.Pattern)
	case rt.Policy.ClinicInPath && !slices.Contains(wildcards(rt.Pattern), "clinic"):
		return fmt.Errorf("route %q: clinic in path without a {clinic}", rt.Pattern)
	case rt.Policy.Access == ClinicToken && rt.Policy.Scope == "":
		return fmt.Errorf("route %q: a token policy without a scope", rt.Pattern)
	case rt.Policy.Scope != "" && rt.Policy.Access != ClinicToken && !(rt.Policy.Access == Staff && rt.Policy.ClinicInPath):
		return fmt.Errorf("route %q: a scope in a policy that is neither a token's nor a clinic's staff's", rt.Pattern)
	case rt.Policy.Scope != "" && !slices.Contains(rdv.TokenScopes, rt.Policy.Scope):
		return fmt.Errorf("route %q: unknown scope %q", rt.Pattern, rt.Policy.Scope)
	}
	return nil
}

// wildcards returns the names of a pattern's wildcards.
func wildcards(pattern string) []string {
	var names []string
	for _, seg := range strings.Split(pattern, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			name = strings.TrimSuffix(strings.TrimSuffix(name, "}"), "...")
			names = append(names, name)
		}
	}
	return names
}
