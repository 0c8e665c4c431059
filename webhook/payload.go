package webhook

import (
	"encoding/json"
	"strconv"
	"time"

	"rdv"
)

// payload is the body of a request: the Standard Webhooks envelope
// (type, timestamp of the change, data) around the event, without any
// patient data (see rdv.AppointmentEvent).
type payload struct {
	Type      rdv.EventType `json:"type"`
	Timestamp time.Time     `json:"timestamp"`
	Data      eventData     `json:"data"`
}

type eventData struct {
	AppointmentID  int64                 `json:"appointment_id"`
	ClinicID       int64                 `json:"clinic_id"`
	PractitionerID int64                 `json:"practitioner_id"`
	Service        rdv.Service           `json:"service"`
	Start          time.Time             `json:"start"`
	End            time.Time             `json:"end"`
	Status         rdv.AppointmentStatus `json:"status"`
	PreviousStart  *time.Time            `json:"previous_start,omitempty"`
	PreviousEnd    *time.Time            `json:"previous_end,omitempty"`
}

// Body is the body of an event's requests: the same bytes at every
// attempt, to every endpoint.
func Body(e rdv.AppointmentEvent) ([]byte, error) {
	d := eventData{AppointmentID: e.AppointmentID, ClinicID: e.ClinicID, PractitionerID: e.PractitionerID, Service: e.Service,
		Start: e.Start.UTC(), End: e.End.UTC(), Status: e.Status}
	if !e.PreviousStart.IsZero() {
		ps, pe := e.PreviousStart.UTC(), e.PreviousEnd.UTC()
		d.PreviousStart, d.PreviousEnd = &ps, &pe
	}
	return json.Marshal(payload{Type: e.Type, Timestamp: e.OccurredAt.UTC(), Data: d})
}

// MessageID is an event's webhook-id: the same at every attempt, so that
// an endpoint that got it once can drop a retry.
func MessageID(e rdv.AppointmentEvent) string { return "evt_" + strconv.FormatInt(e.ID, 10) }
