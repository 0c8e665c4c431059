package webhook_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"rdv"
	"rdv/webhook"
)

// FuzzSign: a secret a clinic admin pastes is either refused as invalid
// or signs what the reference library verifies, byte for byte the same.
func FuzzSign(f *testing.F) {
	f.Add("whsec_c2VjcmV0LWRlLXRlc3QtYXNzZXotbG9uZw==", "evt_1", int64(1_900_000_000), []byte(`{"type":"appointment.booked"}`))
	f.Add("whsec_", "", int64(0), []byte{})
	f.Add("whsec_!!!", "evt_2", int64(-1), []byte("x"))
	f.Add("c2VjcmV0LWRlLXRlc3QtYXNzZXotbG9uZw==", "evt.3", int64(1), []byte(nil))
	f.Add("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "évt\x00", int64(1)<<40, []byte("\xff"))
	f.Fuzz(func(t *testing.T, secret, id string, unix int64, body []byte) {
		at := time.Unix(unix, 0)
		got, err := webhook.Sign(secret, id, at, body)
		if err != nil {
			if rdv.ErrorCode(err) != rdv.EINVALID {
				t.Fatalf("secret %q: %v, want EINVALID", secret, err)
			}
			return
		}
		ref, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatalf("secret %q signs, but the reference refuses it: %v", secret, err)
		}
		want, err := ref.Sign(id, at, body)
		if err != nil || got != want {
			t.Fatalf("Sign = %q, reference %q (%v)", got, want, err)
		}
		if id == "" {
			return // the reference verifies nothing without a message id; rdv always sends one
		}
		h := http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {strconv.FormatInt(unix, 10)}, "Webhook-Signature": {got}}
		if err := ref.VerifyIgnoringTimestamp(body, h); err != nil {
			t.Fatalf("the reference refuses its own signature: %v", err)
		}
	})
}
