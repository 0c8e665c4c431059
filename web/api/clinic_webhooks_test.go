package api

import (
	"net/http"
	"strings"
	"testing"

	"rdv"
)

// TestClinicWebhooks: a token with the webhooks scope reads its clinic's
// endpoints, without their secrets, and the deliveries of its bookings'
// events, each with the webhook-id its requests carry; another clinic's
// token reads none of them, a token without the scope is 403 and a limit
// out of range 422.
func TestClinicWebhooks(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	const secret = "whsec_c2VjcmV0LWRlLXRlc3QtZGUtMjQtb2N0ZXRz"
	e, err := a.store.AddWebhookEndpoint(t.Context(), rdv.WebhookEndpoint{ClinicID: 1, URL: "https://dossier.example.org/rdv",
		Events: []rdv.EventType{rdv.EventBooked}, Secret: secret, CreatedAt: testNow})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := a.book(a.freeSlotOfClinic(1), "192.0.2.9:1")
	if _, err := a.store.FanOutWebhookEvents(t.Context(), 10); err != nil {
		t.Fatal(err)
	}
	_, hooks := a.apiToken(1, rdv.ScopeWebhooks)
	_, agenda := a.apiToken(1, rdv.ScopeAgendaRead)
	_, other := a.apiToken(2, rdv.ScopeWebhooks)

	res, body := a.do(request{method: "GET", url: "/api/v1/clinic/webhooks", headers: bearerOf(hooks)})
	if res.StatusCode != http.StatusOK || strings.Contains(string(body), "whsec_") {
		t.Fatalf("webhooks: %d %s", res.StatusCode, body)
	}
	got := a.call(request{method: "GET", url: "/api/v1/clinic/webhooks?limit=10", headers: bearerOf(hooks)}, http.StatusOK)
	endpoints, deliveries := got["endpoints"].([]any), got["deliveries"].([]any)
	if len(endpoints) != 1 || endpoints[0].(map[string]any)["id"] != float64(e.ID) || endpoints[0].(map[string]any)["url"] != e.URL {
		t.Fatalf("endpoints %v", endpoints)
	}
	if len(deliveries) != 1 {
		t.Fatalf("deliveries %v", deliveries)
	}
	d := deliveries[0].(map[string]any)
	if d["appointment_id"] != float64(id) || d["type"] != "appointment.booked" || d["status"] != "pending" || d["endpoint_id"] != float64(e.ID) ||
		!strings.HasPrefix(d["webhook_id"].(string), "evt_") {
		t.Errorf("delivery %v", d)
	}
	if o := a.call(request{method: "GET", url: "/api/v1/clinic/webhooks", headers: bearerOf(other)}, http.StatusOK); len(o["endpoints"].([]any)) != 0 || len(o["deliveries"].([]any)) != 0 {
		t.Errorf("clinic 2's token reads %v", o)
	}
	a.runScenarios(t, []scenario{
		{"webhooks without a token", request{method: "GET", url: "/api/v1/clinic/webhooks"}, http.StatusUnauthorized, []string{"unauthorized"}, nil},
		{"webhooks without their scope", request{method: "GET", url: "/api/v1/clinic/webhooks", headers: bearerOf(agenda)}, http.StatusForbidden, []string{"forbidden"}, nil},
		{"webhooks: limit out of range", request{method: "GET", url: "/api/v1/clinic/webhooks?limit=501", headers: bearerOf(hooks)}, http.StatusUnprocessableEntity, []string{"invalid_field"}, nil},
		{"webhooks: limit not a number", request{method: "GET", url: "/api/v1/clinic/webhooks?limit=x", headers: bearerOf(hooks)}, http.StatusUnprocessableEntity, []string{"invalid_field"}, nil},
	})
}
