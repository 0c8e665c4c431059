package api

import (
	"net/http"
	"strconv"
	"time"

	"rdv"
	"rdv/webhook"
)

// The webhooks scope lets a clinic's system read its endpoints and the
// log of their deliveries, as the portal shows them to its admins: a
// system that was down, or whose endpoint failed for good, finds the
// events it missed here and reads their appointments again (agenda:read).
// Endpoints are made and removed in the portal, where their secret is
// shown once; no answer of the API carries one.

// maxDeliveries is the most deliveries one request reads, and
// defaultDeliveries how many it reads unless told.
const (
	maxDeliveries     = 500
	defaultDeliveries = 100
)

type clinicWebhooksJSON struct {
	Endpoints  []endpointJSON `json:"endpoints"`
	Deliveries []deliveryJSON `json:"deliveries"`
}

type endpointJSON struct {
	ID        int64           `json:"id"`
	URL       string          `json:"url"`
	Events    []rdv.EventType `json:"events"`
	CreatedAt time.Time       `json:"created_at"`
}

// deliveryJSON is one event to one endpoint: WebhookID is the webhook-id
// header its requests carry, the same at every attempt.
type deliveryJSON struct {
	ID            int64              `json:"id"`
	WebhookID     string             `json:"webhook_id"`
	Type          rdv.EventType      `json:"type"`
	AppointmentID int64              `json:"appointment_id"`
	EndpointID    int64              `json:"endpoint_id"`
	Status        rdv.DeliveryStatus `json:"status"`
	Attempts      int                `json:"attempts"`
	LastCode      int                `json:"last_code,omitempty"`
	LastError     string             `json:"last_error,omitempty"`
	OccurredAt    time.Time          `json:"occurred_at"`
	LastAttempt   *time.Time         `json:"last_attempt,omitempty"`
}

// clinicWebhooks answers GET /api/v1/clinic/webhooks?limit=N for an API
// token with the webhooks scope: the token's clinic's live endpoints,
// oldest first, and its latest deliveries, newest first.
func (s *server) clinicWebhooks(w http.ResponseWriter, r *http.Request) {
	t, ok := TokenOf(r.Context())
	if !ok {
		s.fail(w, r, errNoToken)
		return
	}
	limit := defaultDeliveries
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxDeliveries {
			s.fail(w, r, rdv.FieldError("limit", "limit %q: 1 to %d", v, maxDeliveries))
			return
		}
		limit = n
	}
	endpoints, err := s.Store.WebhookEndpoints(r.Context(), t.ClinicID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	deliveries, err := s.Store.WebhookDeliveries(r.Context(), t.ClinicID, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := clinicWebhooksJSON{Endpoints: []endpointJSON{}, Deliveries: []deliveryJSON{}}
	for _, e := range endpoints {
		out.Endpoints = append(out.Endpoints, endpointJSON{ID: e.ID, URL: e.URL, Events: e.Events, CreatedAt: e.CreatedAt.UTC()})
	}
	for _, d := range deliveries {
		j := deliveryJSON{ID: d.ID, WebhookID: webhook.MessageID(d.Event), Type: d.Event.Type, AppointmentID: d.Event.AppointmentID,
			EndpointID: d.EndpointID, Status: d.Status, Attempts: d.Attempts, LastCode: d.LastCode, LastError: d.LastError,
			OccurredAt: d.Event.OccurredAt.UTC()}
		if !d.LastAttempt.IsZero() {
			at := d.LastAttempt.UTC()
			j.LastAttempt = &at
		}
		out.Deliveries = append(out.Deliveries, j)
	}
	s.writeJSON(w, r, http.StatusOK, out)
}
