package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"rdv"
	"rdv/auth"
	"rdv/notify"
	"rdv/postgres"
	"rdv/postgres/pgtest"
	"rdv/sqlite"
	"rdv/storetest"
	"rdv/webhook"
)

// endpoint is a clinic's record system as a test server: it checks every
// request with the Standard Webhooks reference library (not this
// package's code), answers 503 to the first `fail` requests, then 204.
type endpoint struct {
	t      *testing.T
	srv    *httptest.Server
	verify *standardwebhooks.Webhook
	fail   int
	mu     sync.Mutex
	got    []received
	seen   chan struct{}
}

// received is one request as the endpoint saw it.
type received struct {
	id, timestamp string
	body          []byte
	verified      error
}

func newEndpoint(t *testing.T, secret string, fail int) *endpoint {
	v, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatalf("reference library refuses the secret %q: %v", secret, err)
	}
	e := &endpoint{t: t, verify: v, fail: fail, seen: make(chan struct{}, 100)}
	e.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.got = append(e.got, received{r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), body, v.Verify(body, r.Header)})
		n := len(e.got)
		e.mu.Unlock()
		if n <= e.fail {
			w.WriteHeader(http.StatusServiceUnavailable)
		} else {
			w.WriteHeader(http.StatusNoContent)
		}
		e.seen <- struct{}{}
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// wait waits for n requests.
func (e *endpoint) wait(n int) []received {
	e.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		e.mu.Lock()
		got := append([]received(nil), e.got...)
		e.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-e.seen:
		case <-deadline:
			e.t.Fatalf("endpoint got %d requests in 30 s, want %d", len(got), n)
		}
	}
}

// onBothStores runs fn on SQLite and on PostgreSQL (when
// RDV_TEST_POSTGRES_URL is set), with the small network loaded from the
// day after tomorrow, and River's tables migrated on its database.
func onBothStores(t *testing.T, fn func(t *testing.T, s rdv.Store, open func(notify.Config) *notify.Notifier)) {
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "rdv.db")
		s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		db, err := sqlite.OpenQueueDB(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		fn(t, load(t, s), func(cfg notify.Config) *notify.Notifier {
			n, err := notify.NewSQLite(db, cfg)
			if err != nil {
				t.Fatal(err)
			}
			return n
		})
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		t.Parallel()
		url := pgtest.CreateMigratedDB(t, postgres.Migrate)
		ctx := context.Background()
		s, err := postgres.Open(ctx, url, postgres.Options{MaxConns: 8})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		pool, err := pgxpool.New(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		fn(t, load(t, s), func(cfg notify.Config) *notify.Notifier {
			n, err := notify.NewPostgres(pool, cfg)
			if err != nil {
				t.Fatal(err)
			}
			return n
		})
	})
}

func load(t *testing.T, s rdv.Store) rdv.Store {
	storetest.MustLoad(t, s, storetest.SmallNetwork(rdv.DateOf(time.Now()).AddDays(2)))
	return s
}

// run starts n, its River tables migrated, until the test ends.
func run(t *testing.T, n *notify.Notifier) {
	ctx, cancel := context.WithCancel(context.Background())
	if err := n.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("notifier: %v", err)
		}
	})
}

// book holds and books a free public slot of clinic 1.
func book(t *testing.T, s rdv.Store) rdv.Appointment {
	t.Helper()
	var slot rdv.Slot
	err := s.ScanBookable(t.Context(), time.Now(), time.Now(), func(sl rdv.Slot) error {
		if sl.ClinicID == 1 && sl.Audience == rdv.Public && (slot.ID == 0 || sl.ID < slot.ID) {
			slot = sl
		}
		return nil
	})
	if err != nil || slot.ID == 0 {
		t.Fatalf("no bookable slot: %v", err)
	}
	now := time.Now()
	h, _, err := s.PlaceHold(t.Context(), rdv.HoldRequest{HoldID: auth.NewToken(), SlotID: slot.ID, ClientKey: "test", TTL: time.Minute, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	token := auth.NewToken()
	a, _, err := s.ConfirmHold(t.Context(), rdv.ConfirmRequest{HoldID: h.ID, Patient: storetest.TestPatient(1), BookedBy: rdv.BySelf,
		Channel: rdv.Web, CancelToken: token, CancelTokenHash: auth.HashToken(token), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestDeliveredSignedAfterRetries plays a clinic's record system: an
// endpoint that fails twice, then accepts. The booking's event reaches it
// three times with the same webhook-id and body, each signed so that the
// reference library verifies it; the portal's log shows it delivered
// after three attempts.
func TestDeliveredSignedAfterRetries(t *testing.T) {
	onBothStores(t, func(t *testing.T, s rdv.Store, open func(notify.Config) *notify.Notifier) {
		secret := webhook.NewSecret()
		ep := newEndpoint(t, secret, 2)
		hooks, err := webhook.New(webhook.Config{Store: s, Client: ep.srv.Client(), PollEvery: 20 * time.Millisecond,
			MaxAttempts: 4, Backoff: func(int) time.Duration { return 50 * time.Millisecond }, Log: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		run(t, open(notify.Config{Store: s, Links: notify.Links{Base: "https://rdv.example.org"}, Log: quiet(),
			Senders: map[rdv.MessageChannel]notify.Sender{rdv.ByEmail: notify.Keep, rdv.BySMS: notify.Keep}, Work: []notify.Work{hooks}}))
		if _, err := s.AddWebhookEndpoint(t.Context(), rdv.WebhookEndpoint{ClinicID: 1, URL: ep.srv.URL + "/rdv",
			Events: []rdv.EventType{rdv.EventBooked}, Secret: secret, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		a := book(t, s)
		got := ep.wait(3)
		for i, r := range got {
			if r.verified != nil {
				t.Errorf("request %d: the reference library refuses it: %v", i+1, r.verified)
			}
			if r.id != got[0].id || string(r.body) != string(got[0].body) {
				t.Errorf("request %d: id %q and body %s, want the first's %q and %s", i+1, r.id, r.body, got[0].id, got[0].body)
			}
		}
		var body struct {
			Type string `json:"type"`
			Data struct {
				AppointmentID int64  `json:"appointment_id"`
				Status        string `json:"status"`
			} `json:"data"`
		}
		if err := json.Unmarshal(got[0].body, &body); err != nil || body.Type != "appointment.booked" || body.Data.AppointmentID != a.ID || body.Data.Status != "booked" {
			t.Errorf("body %s (%v): want appointment.booked of appointment %d", got[0].body, err, a.ID)
		}
		tampered := append([]byte(nil), got[0].body...)
		tampered[len(tampered)-2] ^= 1
		h := http.Header{"Webhook-Id": {got[0].id}, "Webhook-Timestamp": {got[0].timestamp}}
		sig, _ := webhook.Sign(secret, got[0].id, time.Now(), got[0].body)
		h.Set("Webhook-Signature", sig)
		if err := ep.verify.Verify(tampered, h); err == nil {
			t.Error("the reference library verifies a tampered body: the check proves nothing")
		}
		waitLog(t, s, func(d rdv.WebhookDelivery) bool {
			return d.Status == rdv.DeliveryDelivered && d.Attempts == 3 && d.LastCode == http.StatusNoContent
		})
	})
}

// TestGivenUpAfterMaxAttempts: an endpoint that never accepts gets
// MaxAttempts requests, then the delivery fails for good, with the last
// status the clinic sees.
func TestGivenUpAfterMaxAttempts(t *testing.T) {
	onBothStores(t, func(t *testing.T, s rdv.Store, open func(notify.Config) *notify.Notifier) {
		secret := webhook.NewSecret()
		ep := newEndpoint(t, secret, 1000)
		hooks, err := webhook.New(webhook.Config{Store: s, Client: ep.srv.Client(), PollEvery: 20 * time.Millisecond,
			MaxAttempts: 3, Backoff: func(int) time.Duration { return 20 * time.Millisecond }, Log: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		run(t, open(notify.Config{Store: s, Links: notify.Links{Base: "https://rdv.example.org"}, Log: quiet(),
			Senders: map[rdv.MessageChannel]notify.Sender{rdv.ByEmail: notify.Keep, rdv.BySMS: notify.Keep}, Work: []notify.Work{hooks}}))
		if _, err := s.AddWebhookEndpoint(t.Context(), rdv.WebhookEndpoint{ClinicID: 1, URL: ep.srv.URL,
			Events: rdv.EventTypes, Secret: secret, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		book(t, s)
		waitLog(t, s, func(d rdv.WebhookDelivery) bool {
			return d.Status == rdv.DeliveryFailed && d.Attempts == 3 && d.LastCode == http.StatusServiceUnavailable
		})
		time.Sleep(200 * time.Millisecond)
		if got := ep.wait(3); len(got) != 3 {
			t.Errorf("endpoint got %d requests, want 3", len(got))
		}
	})
}

// waitLog waits until clinic 1's one delivery is as ok says.
func waitLog(t *testing.T, s rdv.Store, ok func(rdv.WebhookDelivery) bool) {
	t.Helper()
	var last []rdv.WebhookDelivery
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		log, err := s.WebhookDeliveries(t.Context(), 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) == 1 && ok(log[0]) {
			return
		}
		last = log
	}
	t.Fatalf("delivery log %+v", last)
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }
