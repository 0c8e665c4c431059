package admission

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
	// OperatorPage is what Config.Classify returns for an operators'
	// page: exempt for a request whose operator's pass Config.Operator
	// verified, browsing for any other. Its path alone exempts nothing:
	// anyone can type it, with any cookie.
	OperatorPage
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
	case OperatorPage:
		return "operator_page"
	}
	return "unknown"
}
