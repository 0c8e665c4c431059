package main

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"rdv"
)

// TestServeMatchesRequests: the real server matches the requests its API
// files: a request that fits a free slot gets its proposal on arrival,
// held for the --proposal-ttl, and its person accepts it.
func TestServeMatchesRequests(t *testing.T) {
	_, base := startServer(t, "--proposal-ttl", "7m")
	body := map[string]any{
		"patient": map[string]any{"first_name": "Camille", "last_name": "Bouchard", "birth_date": "1990-06-15",
			"health_number": "BOUC 9006 1512", "email": "camille@example.org"},
		"service": "general", "lat": 45.5236, "lon": -73.58, "radius_km": 5,
		"to": rdv.DateOf(time.Now()).AddDays(2).String(),
		// The whole network: its fee, authorised by the built-in provider.
		"payment_token": "tok-demo",
	}
	got := call(t, "POST", base+"/api/v1/requests", body, 201)
	ref, token := got["reference"].(string), got["token"].(string)
	url := base + "/api/v1/requests/" + ref + "?token=" + token
	var p map[string]any
	deadline := time.Now().Add(5 * time.Second)
	for p == nil {
		if time.Now().After(deadline) {
			t.Fatalf("request %s not proposed after 5 s: %v", ref, got)
		}
		time.Sleep(20 * time.Millisecond)
		// Until the spool has handed the request to the store, it is not
		// found there yet.
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		got = map[string]any{}
		err = json.NewDecoder(res.Body).Decode(&got)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 && res.StatusCode != 404 {
			t.Fatalf("GET %s: %d (%v)", url, res.StatusCode, err)
		}
		p, _ = got["proposal"].(map[string]any)
	}
	expires, err := time.Parse(time.RFC3339, p["expires_at"].(string))
	if err != nil || time.Until(expires) < 6*time.Minute || time.Until(expires) > 7*time.Minute {
		t.Fatalf("proposal %v (%v), want it held for 7 minutes", p, err)
	}
	got = call(t, "POST", base+"/api/v1/requests/"+ref+"/accept", map[string]any{"token": token, "proposal_id": p["id"]}, 200)
	if got["status"] != "booked" || got["appointment_id"] == nil {
		t.Fatalf("accepted: %v, want booked", got)
	}
}
