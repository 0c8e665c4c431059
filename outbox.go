package rdv

// Validate refuses an outcome that does not end a delivery attempt: a
// store records only these.
func (o SendOutcome) Validate() error {
	switch o.Status {
	case MessageSent, MessageKept, MessageQueued, MessageFailed, MessageBounced, MessageSkipped, MessageUncertain:
	default:
		return FieldError("status", "%q does not end an attempt", o.Status)
	}
	if o.Now.IsZero() {
		return FieldError("now", "time missing")
	}
	return nil
}

// MaxMessages is the longest list of messages a store returns at once.
const MaxMessages = 1000

// ListLimit is how many messages a list under the filter holds at most:
// Limit, 100 when it is 0, and never more than MaxMessages.
func (f MessageFilter) ListLimit() int {
	switch {
	case f.Limit <= 0:
		return 100
	case f.Limit > MaxMessages:
		return MaxMessages
	}
	return f.Limit
}
