package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"rdv"
	"rdv/webhook"
)

// TestSignMatchesReference: signatures agree with the reference library
// for secrets this package makes, and a wrong secret is refused.
func TestSignMatchesReference(t *testing.T) {
	secret := webhook.NewSecret()
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q", secret)
	}
	ref, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1_900_000_000, 0)
	body := []byte(`{"type":"appointment.booked"}`)
	got, err := webhook.Sign(secret, "evt_1", at, body)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ref.Sign("evt_1", at, body)
	if err != nil || got != want {
		t.Fatalf("Sign = %q, reference %q (%v)", got, want, err)
	}
	h := http.Header{"Webhook-Id": {"evt_1"}, "Webhook-Timestamp": {strconv.FormatInt(at.Unix(), 10)}, "Webhook-Signature": {got}}
	if err := ref.VerifyIgnoringTimestamp(body, h); err != nil {
		t.Fatalf("reference refuses it: %v", err)
	}
	other, _ := standardwebhooks.NewWebhook(webhook.NewSecret())
	if other.VerifyIgnoringTimestamp(body, h) == nil {
		t.Fatal("another secret verifies it")
	}
	for _, bad := range []string{"", "whsec_", "whsec_!!!", "c2VjcmV0LWRlLXRlc3QtYXNzZXotbG9uZw=="} {
		if _, err := webhook.Sign(bad, "evt_1", at, body); rdv.ErrorCode(err) != rdv.EINVALID {
			t.Errorf("Sign with secret %q: %v, want EINVALID", bad, err)
		}
	}
}

// TestSafeClientRefusesPrivateAddresses: the deliveries' client never
// connects to the platform's own network, whatever the URL says.
func TestSafeClientRefusesPrivateAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the safe client reached a loopback server")
	}))
	defer srv.Close()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL, nil)
	if _, err := webhook.SafeClient().Do(req); err == nil || !strings.Contains(err.Error(), "not public") {
		t.Errorf("post to %s: %v, want refused", srv.URL, err)
	}
	for addr, public := range map[string]bool{
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false, "169.254.169.254": false,
		"100.64.0.1": false, "0.0.0.0": false, "::1": false, "fe80::1": false, "fd00::1": false, "::ffff:127.0.0.1": false,
		"224.0.0.1": false, "8.8.8.8": true, "2001:4860:4860::8888": true,
	} {
		if got := webhook.Public(netip.MustParseAddr(addr)); got != public {
			t.Errorf("Public(%s) = %v, want %v", addr, got, public)
		}
	}
}

// TestEndpointAddresses: only https addresses without credentials are
// endpoints.
func TestEndpointAddresses(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://dossiers.example.org/rdv":    true,
		"https://dossiers.example.org:8443/x": true,
		"http://dossiers.example.org/rdv":     false,
		"https://user:pw@example.org/":        false,
		"https://example.org/#frag":           false,
		"ftp://example.org/":                  false,
		"/relative":                           false,
		"https://":                            false,
		"https://" + strings.Repeat("a", 500): false,
	} {
		if err := rdv.ValidWebhookURL(raw); (err == nil) != ok {
			t.Errorf("ValidWebhookURL(%q) = %v, want ok %v", raw, err, ok)
		}
	}
}
