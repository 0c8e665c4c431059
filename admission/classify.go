package admission

import (
	"net/http"
	"strings"
)

// Class is a request's priority under overload. A lower value is served
// first and shed last.
type Class int

// Priority classes, highest first. Exempt requests (health probes, and
// operators whose pass Config.Operator verified) bypass the limit
// entirely: they must keep answering when everything else is shed, so
// that people can see and steer the overload.
// Metrics are served on a listener of their own, outside admission.
const (
	Critical Class = iota // confirm, cancel, reschedule: a person is finishing a booking
	Hold                  // a person has chosen a slot
	Search                // a person is looking
	Browse                // everything else
	Exempt                // health probes, verified operators: never shed
)

// classes lists the limited classes in priority order.
var classes = [...]Class{Critical, Hold, Search, Browse}

// String returns the class name used in metrics and snapshots.
func (c Class) String() string {
	switch c {
	case Critical:
		return "critical"
	case Hold:
		return "hold"
	case Search:
		return "search"
	case Browse:
		return "browse"
	case Exempt:
		return "exempt"
	}
	return "unknown"
}

// OperatorPath reports whether p is an operators' page. Its path alone
// exempts nothing: anyone can type it, with any cookie.
func OperatorPath(p string) bool {
	return p == "/operateur" || strings.HasPrefix(p, "/operateur/") ||
		p == "/operator" || strings.HasPrefix(p, "/operator/")
}

// Classify returns the priority class of a request from its method and
// path. It must stay cheap: it runs before every admission decision.
// Operators' pages are browsing here; the controller exempts them only
// for a verified operator (Config.Operator).
func Classify(r *http.Request) Class {
	p := r.URL.Path
	if p == "/healthz" || p == "/readyz" {
		return Exempt
	}
	if StaffAPIPath(p) {
		return Hold
	}
	if r.Method == http.MethodPost {
		switch {
		case p == "/api/v1/appointments":
			return Critical
		case strings.HasPrefix(p, "/api/v1/appointments/") &&
			(strings.HasSuffix(p, "/cancel") || strings.HasSuffix(p, "/reschedule")):
			return Critical
		case strings.HasPrefix(p, "/reservation/") && len(p) > len("/reservation/"):
			return Critical
		case strings.HasPrefix(p, "/rendez-vous/") &&
			(strings.HasSuffix(p, "/annuler") || strings.Contains(p, "/changer/")):
			return Critical
		case p == "/api/v1/holds" || p == "/reserver" ||
			strings.HasPrefix(p, "/rendez-vous/") && strings.HasSuffix(p, "/changer"):
			return Hold
		}
		return Browse
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		switch {
		case p == "/api/v1/slots" || p == "/recherche":
			return Search
		case strings.HasPrefix(p, "/reservation/") || strings.HasPrefix(p, "/rendez-vous/") ||
			strings.HasPrefix(p, "/api/v1/appointments/"):
			// The form that confirms a held slot, and a booking's own
			// page: a person is in the middle of a booking they already
			// have, and shedding them before searchers would waste it.
			return Hold
		}
	}
	return Browse
}

// StaffAPIPath reports whether p is a clinic staff route of the JSON API
// (/api/v1/clinics/{clinic}/practitioners/{practitioner}/exceptions...):
// an admin at work on the clinic's schedule. Classify puts it above
// searching and browsing, so that overload does not shut staff out of
// their own schedule before it turns searchers away, and below people
// finishing a booking. Its path alone opens nothing: the handlers check
// the session and its role.
func StaffAPIPath(p string) bool {
	rest, ok := strings.CutPrefix(p, "/api/v1/clinics/")
	if !ok {
		return false
	}
	_, rest, ok = strings.Cut(rest, "/")
	if rest, ok = strings.CutPrefix(rest, "practitioners/"); !ok {
		return false
	}
	_, rest, ok = strings.Cut(rest, "/")
	return ok && (rest == "exceptions" || strings.HasPrefix(rest, "exceptions/"))
}
