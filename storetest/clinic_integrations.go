package storetest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// TokenRawReader is what a store handed to Run offers to show that it
// keeps a clinic's secrets as hashes only.
type TokenRawReader interface {
	// ClinicTokenRows reads the store's clinic_tokens table as RawRows
	// does.
	ClinicTokenRows(t *testing.T) [][][]byte
}

// runClinicIntegrations runs the suite of the clinics' API tokens,
// calendar feeds, webhook endpoints, the events the booking writes leave
// for them and their deliveries.
func runClinicIntegrations(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"TokensHashedAndRevocable", testTokensHashedAndRevocable},
		{"TokensValidated", testTokensValidated},
		{"TokenUseRecordedOnceAMinute", testTokenUseRecorded},
		{"EventsOnlyForSubscribedClinics", testEventsOnlyForSubscribed},
		{"EventsOfEveryChange", testEventsOfEveryChange},
		{"EventsGoWithAFailedWrite", testEventsGoWithAFailedWrite},
		{"DeliveriesFanOutAndRecord", testDeliveriesFanOut},
		{"RemovedEndpointHearsNothing", testRemovedEndpoint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newFixture(t, open))
		})
	}
}

// apiToken is an API token of clinic 1 and its secret.
func (f *fixture) apiToken(scopes ...rdv.TokenScope) (rdv.ClinicToken, string) {
	f.t.Helper()
	secret := "rdvk_" + auth.NewToken()
	tok, err := f.store.AddClinicToken(f.ctx, rdv.ClinicToken{ClinicID: 1, Kind: rdv.APIToken, Name: "Dossier médical",
		Prefix: rdv.TokenPrefix(secret), Scopes: scopes, CreatedAt: f.now}, auth.HashToken(secret))
	if err != nil {
		f.t.Fatalf("add token: %v", err)
	}
	return tok, secret
}

// testTokensHashedAndRevocable: a token is found by the hash of its
// secret only, for its clinic and with its scopes; the store keeps the
// hash and a prefix, never the secret; a revoked token opens nothing, and
// only its own clinic revokes it.
func testTokensHashedAndRevocable(t *testing.T, f *fixture) {
	tok, secret := f.apiToken(rdv.ScopeAgendaRead, rdv.ScopeWebhooks)
	if tok.ID == 0 || tok.Prefix != secret[:rdv.TokenPrefixLen] || !tok.Live() || !tok.CreatedAt.Equal(f.now) {
		t.Fatalf("token stored as %+v", tok)
	}
	got, err := f.store.ClinicTokenByHash(f.ctx, rdv.APIToken, auth.HashToken(secret), f.now)
	if err != nil || got.ID != tok.ID || got.ClinicID != 1 || !slices.Equal(got.Scopes, tok.Scopes) {
		t.Fatalf("by hash: %+v, %v", got, err)
	}
	for name, hash := range map[string]string{"the secret itself": secret, "another secret's hash": auth.HashToken(secret + "x")} {
		_, err := f.store.ClinicTokenByHash(f.ctx, rdv.APIToken, hash, f.now)
		wantCode(t, "look up "+name, err, rdv.ENOTFOUND)
	}
	_, err = f.store.ClinicTokenByHash(f.ctx, rdv.CalendarFeed, auth.HashToken(secret), f.now)
	wantCode(t, "an API token read as a feed", err, rdv.ENOTFOUND)

	if raw, ok := f.store.(TokenRawReader); ok {
		rows := raw.ClinicTokenRows(t)
		if len(rows) != 1 {
			t.Fatalf("%d token rows, want 1", len(rows))
		}
		var hashSeen bool
		for _, col := range rows[0] {
			if bytes.Contains(col, []byte(secret)) {
				t.Errorf("a column holds the secret: %q", col)
			}
			hashSeen = hashSeen || string(col) == auth.HashToken(secret)
		}
		if !hashSeen {
			t.Error("no column holds the secret's hash")
		}
	} else {
		t.Fatalf("%T does not implement storetest.TokenRawReader", f.store)
	}

	wantCode(t, "another clinic revokes it", f.store.RevokeClinicToken(f.ctx, 2, tok.ID, f.now), rdv.ENOTFOUND)
	if _, err := f.store.ClinicTokenByHash(f.ctx, rdv.APIToken, auth.HashToken(secret), f.now); err != nil {
		t.Fatalf("after another clinic's attempt: %v", err)
	}
	later := f.now.Add(time.Hour)
	for range 2 { // twice: the first time stands
		if err := f.store.RevokeClinicToken(f.ctx, 1, tok.ID, later); err != nil {
			t.Fatalf("revoke: %v", err)
		}
		later = later.Add(time.Hour)
	}
	_, err = f.store.ClinicTokenByHash(f.ctx, rdv.APIToken, auth.HashToken(secret), later)
	wantCode(t, "a revoked token", err, rdv.ENOTFOUND)
	list, err := f.store.ClinicTokens(f.ctx, 1, rdv.APIToken)
	if err != nil || len(list) != 1 || list[0].Live() || !list[0].RevokedAt.Equal(f.now.Add(time.Hour)) {
		t.Fatalf("list after revoking: %+v, %v", list, err)
	}
	if other, err := f.store.ClinicTokens(f.ctx, 2, rdv.APIToken); err != nil || len(other) != 0 {
		t.Fatalf("clinic 2 lists %+v, %v", other, err)
	}
	if feeds, err := f.store.ClinicTokens(f.ctx, 1, rdv.CalendarFeed); err != nil || len(feeds) != 0 {
		t.Fatalf("clinic 1's feeds: %+v, %v", feeds, err)
	}
}

// testTokensValidated: a token without a scope, with an unknown one, a
// feed with scopes or with another clinic's practitioner writes nothing.
func testTokensValidated(t *testing.T, f *fixture) {
	hash := auth.HashToken("x")
	for _, tc := range []struct {
		name string
		tok  rdv.ClinicToken
		code string
	}{
		{"no scope", rdv.ClinicToken{ClinicID: 1, Kind: rdv.APIToken, Name: "a"}, rdv.EINVALID},
		{"unknown scope", rdv.ClinicToken{ClinicID: 1, Kind: rdv.APIToken, Name: "a", Scopes: []rdv.TokenScope{"admin"}}, rdv.EINVALID},
		{"scope twice", rdv.ClinicToken{ClinicID: 1, Kind: rdv.APIToken, Name: "a", Scopes: []rdv.TokenScope{rdv.ScopeAgendaRead, rdv.ScopeAgendaRead}}, rdv.EINVALID},
		{"no name", rdv.ClinicToken{ClinicID: 1, Kind: rdv.APIToken, Name: " ", Scopes: []rdv.TokenScope{rdv.ScopeAgendaRead}}, rdv.EINVALID},
		{"feed with scopes", rdv.ClinicToken{ClinicID: 1, Kind: rdv.CalendarFeed, Name: "a", Scopes: []rdv.TokenScope{rdv.ScopeAgendaRead}}, rdv.EINVALID},
		{"feed of another clinic's practitioner", rdv.ClinicToken{ClinicID: 1, Kind: rdv.CalendarFeed, Name: "a", PractitionerID: 3}, rdv.ENOTFOUND},
		{"unknown clinic", rdv.ClinicToken{ClinicID: 99, Kind: rdv.CalendarFeed, Name: "a"}, rdv.ENOTFOUND},
	} {
		tc.tok.CreatedAt = f.now
		_, err := f.store.AddClinicToken(f.ctx, tc.tok, hash)
		wantCode(t, tc.name, err, tc.code)
	}
	for _, clinic := range []int64{1, 99} {
		for _, kind := range []rdv.TokenKind{rdv.APIToken, rdv.CalendarFeed} {
			if list, err := f.store.ClinicTokens(f.ctx, clinic, kind); err != nil || len(list) != 0 {
				t.Errorf("clinic %d's %s tokens after refusals: %+v, %v", clinic, kind, list, err)
			}
		}
	}
	feed, err := f.store.AddClinicToken(f.ctx, rdv.ClinicToken{ClinicID: 1, Kind: rdv.CalendarFeed, Name: "Agenda Dre Tremblay",
		Prefix: "abc", PractitionerID: 1, CreatedAt: f.now}, hash)
	if err != nil || feed.PractitionerID != 1 || len(feed.Scopes) != 0 {
		t.Fatalf("a practitioner's feed: %+v, %v", feed, err)
	}
	_, err = f.store.AddClinicToken(f.ctx, rdv.ClinicToken{ClinicID: 1, Kind: rdv.CalendarFeed, Name: "again", CreatedAt: f.now}, hash)
	wantCode(t, "a second token of the same hash", err, rdv.ECONFLICT)
}

// testTokenUseRecorded: each look-up records the use at most once a
// minute, so that a busy client costs a write a minute.
func testTokenUseRecorded(t *testing.T, f *fixture) {
	tok, secret := f.apiToken(rdv.ScopeAgendaRead)
	if !tok.LastUsedAt.IsZero() {
		t.Fatalf("a new token was used at %v", tok.LastUsedAt)
	}
	lastUsed := func() time.Time {
		list, err := f.store.ClinicTokens(f.ctx, 1, rdv.APIToken)
		if err != nil || len(list) != 1 {
			t.Fatalf("list: %+v, %v", list, err)
		}
		return list[0].LastUsedAt
	}
	for _, tc := range []struct {
		after time.Duration
		want  time.Duration
	}{{0, 0}, {30 * time.Second, 0}, {61 * time.Second, 61 * time.Second}, {90 * time.Second, 61 * time.Second}} {
		if _, err := f.store.ClinicTokenByHash(f.ctx, rdv.APIToken, auth.HashToken(secret), f.now.Add(tc.after)); err != nil {
			t.Fatalf("look up: %v", err)
		}
		if got := lastUsed(); !got.Equal(f.now.Add(tc.want)) {
			t.Errorf("used at +%v: last use recorded %v, want +%v", tc.after, got.Sub(f.now), tc.want)
		}
	}
}

// endpoint adds a live endpoint of a clinic.
func (f *fixture) endpoint(clinic int64, events ...rdv.EventType) rdv.WebhookEndpoint {
	f.t.Helper()
	e, err := f.store.AddWebhookEndpoint(f.ctx, rdv.WebhookEndpoint{ClinicID: clinic, URL: "https://dossiers.example.org/rdv",
		Events: events, Secret: "whsec_c2VjcmV0LWRlLXRlc3Q=", CreatedAt: f.now}) // #nosec G101 -- a test's secret
	if err != nil {
		f.t.Fatalf("add endpoint: %v", err)
	}
	return e
}

// fanOut fans out the waiting events and returns the deliveries made.
func (f *fixture) fanOut() []rdv.WebhookDelivery {
	f.t.Helper()
	if _, err := f.store.FanOutWebhookEvents(f.ctx, 100); err != nil {
		f.t.Fatalf("fan out: %v", err)
	}
	ds, err := f.store.UnqueuedWebhookDeliveries(f.ctx, 100)
	if err != nil {
		f.t.Fatalf("unqueued deliveries: %v", err)
	}
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	if err := f.store.MarkWebhookDeliveriesQueued(f.ctx, ids); err != nil {
		f.t.Fatalf("mark queued: %v", err)
	}
	return ds
}

// inClinic returns the first free public slots of a clinic.
func (f *fixture) inClinic(clinic int64, n int) []int64 {
	f.t.Helper()
	var ids []int64
	for i, s := range f.slots {
		if len(ids) < n && s.ClinicID == clinic && s.Audience == rdv.Public && f.patients[i] == 0 && s.State == rdv.SlotFree {
			ids = append(ids, s.ID)
		}
	}
	if len(ids) < n {
		f.t.Fatalf("clinic %d has %d free public slots, need %d", clinic, len(ids), n)
	}
	return ids
}

// testEventsOnlyForSubscribed: bookings write events only for a clinic
// with a live endpoint that wants them.
func testEventsOnlyForSubscribed(t *testing.T, f *fixture) {
	f.mustBook(f.inClinic(1, 1)[0])
	if ds := f.fanOut(); len(ds) != 0 {
		t.Fatalf("a booking without endpoints made deliveries: %+v", ds)
	}
	f.endpoint(1, rdv.EventCancelled)
	f.mustBook(f.inClinic(1, 2)[1])
	f.mustBook(f.inClinic(2, 1)[0])
	if ds := f.fanOut(); len(ds) != 0 {
		t.Fatalf("bookings no endpoint wants made deliveries: %+v", ds)
	}
	f.endpoint(1, rdv.EventBooked)
	slot := f.inClinic(1, 3)[2]
	a := f.mustBook(slot)
	f.mustBook(f.inClinic(2, 2)[1])
	ds := f.fanOut()
	if len(ds) != 1 {
		t.Fatalf("%d deliveries, want 1 (clinic 1's booking): %+v", len(ds), ds)
	}
	sl := f.slot(slot)
	want := rdv.AppointmentEvent{ID: ds[0].Event.ID, Type: rdv.EventBooked, ClinicID: 1, AppointmentID: a.ID, PractitionerID: sl.PractitionerID,
		Service: sl.Service, Start: sl.Start, End: sl.End, Status: rdv.Booked, OccurredAt: f.now}
	if got := ds[0].Event; !sameEvent(got, want) {
		t.Errorf("event\n got %+v\nwant %+v", got, want)
	}
}

// testEventsOfEveryChange: a cancellation, a reschedule (with the old
// time) and a no-show each write their event.
func testEventsOfEveryChange(t *testing.T, f *fixture) {
	f.endpoint(1, rdv.EventTypes...)
	free := f.inClinic(1, 3)
	a := f.mustBook(free[0])
	b := f.mustBook(free[1])
	h := f.mustHold(free[2], "mover")
	if _, _, err := f.store.Reschedule(f.ctx, rdv.RescheduleRequest{AppointmentID: a.ID, AccountID: 0, TokenHash: auth.HashToken(a.CancelToken),
		HoldID: h.ID, Now: f.now}); err != nil {
		t.Fatalf("reschedule: %v", err)
	}
	if _, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: a.ID, TokenHash: auth.HashToken(a.CancelToken), Now: f.now}); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	if _, err := f.store.SetAppointmentStatus(f.ctx, rdv.AppointmentStatusRequest{ClinicID: 1, AppointmentID: b.ID, Status: rdv.Arrived, Now: f.now}); err != nil {
		t.Fatalf("arrived: %v", err)
	}
	if _, err := f.store.SetAppointmentStatus(f.ctx, rdv.AppointmentStatusRequest{ClinicID: 1, AppointmentID: b.ID, Status: rdv.NoShow, Now: f.now}); err != nil {
		t.Fatalf("no-show: %v", err)
	}
	ds := f.fanOut()
	var types []rdv.EventType
	for _, d := range ds {
		types = append(types, d.Event.Type)
	}
	want := []rdv.EventType{rdv.EventBooked, rdv.EventBooked, rdv.EventRescheduled, rdv.EventCancelled, rdv.EventNoShow}
	if !slices.Equal(types, want) {
		t.Fatalf("events %v, want %v (an arrival is none)", types, want)
	}
	moved := ds[2].Event
	old, now := f.slot(free[0]), f.slot(free[2])
	if moved.AppointmentID != a.ID || !moved.PreviousStart.Equal(old.Start) || !moved.PreviousEnd.Equal(old.End) || !moved.Start.Equal(now.Start) {
		t.Errorf("reschedule event %+v: want from %v to %v", moved, old.Start, now.Start)
	}
	if c := ds[3].Event; c.Status != rdv.Cancelled || !c.Start.Equal(now.Start) || !c.PreviousStart.IsZero() {
		t.Errorf("cancel event %+v", c)
	}
	if n := ds[4].Event; n.AppointmentID != b.ID || n.Status != rdv.NoShow {
		t.Errorf("no-show event %+v", n)
	}
}

// testEventsGoWithAFailedWrite: a write refused writes no event.
func testEventsGoWithAFailedWrite(t *testing.T, f *fixture) {
	f.endpoint(1, rdv.EventTypes...)
	slot := f.inClinic(1, 1)[0]
	a := f.mustBook(slot)
	h := f.mustHold(f.inClinic(1, 2)[1], "other")
	// Confirming a hold twice: the second is refused.
	cr := f.confirmReq(h.ID, TestPatient(77))
	if _, _, err := f.store.ConfirmHold(f.ctx, cr); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	_, _, err := f.store.ConfirmHold(f.ctx, f.confirmReq(h.ID, TestPatient(78)))
	wantCode(t, "confirm a used hold", err, rdv.ECONFLICT)
	_, _, err = f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: a.ID, TokenHash: auth.HashToken("wrong"), Now: f.now})
	wantCode(t, "cancel with a wrong token", err, rdv.ENOTFOUND)
	if ds := f.fanOut(); len(ds) != 2 {
		t.Fatalf("%d deliveries, want the 2 bookings': %+v", len(ds), ds)
	}
}

// testDeliveriesFanOut: one event makes a delivery per endpoint that
// wants it; the sender reads the secret, the log does not; an attempt is
// counted and a delivery that ended stays as it ended.
func testDeliveriesFanOut(t *testing.T, f *fixture) {
	first := f.endpoint(1, rdv.EventBooked)
	second := f.endpoint(1, rdv.EventBooked, rdv.EventCancelled)
	f.endpoint(2, rdv.EventBooked)
	a := f.mustBook(f.inClinic(1, 1)[0])
	ds := f.fanOut()
	if len(ds) != 2 || ds[0].EndpointID != first.ID || ds[1].EndpointID != second.ID {
		t.Fatalf("deliveries %+v, want one to each of clinic 1's endpoints", ds)
	}
	for _, d := range ds {
		if d.Event.AppointmentID != a.ID || d.Status != rdv.DeliveryPending || d.Attempts != 0 || d.Endpoint.Secret != "" {
			t.Errorf("delivery %+v", d)
		}
	}
	if again := f.fanOut(); len(again) != 0 {
		t.Fatalf("fanned out twice: %+v", again)
	}
	d, err := f.store.WebhookDelivery(f.ctx, ds[0].ID)
	if err != nil || d.Endpoint.Secret != "whsec_c2VjcmV0LWRlLXRlc3Q=" || d.Endpoint.URL != first.URL {
		t.Fatalf("the sender's read: %+v, %v", d, err)
	}
	_, err = f.store.WebhookDelivery(f.ctx, 9999)
	wantCode(t, "an unknown delivery", err, rdv.ENOTFOUND)
	later := f.now.Add(time.Minute)
	steps := []rdv.WebhookAttempt{
		{Status: rdv.DeliveryRetrying, Code: 503, Error: "503 Service Unavailable", Now: later},
		{Status: rdv.DeliveryDelivered, Code: 204, Now: later.Add(time.Minute)},
		{Status: rdv.DeliveryFailed, Code: 500, Error: "too late", Now: later.Add(2 * time.Minute)},
	}
	for _, s := range steps {
		if err := f.store.RecordWebhookAttempt(f.ctx, ds[0].ID, s); err != nil {
			t.Fatalf("record %s: %v", s.Status, err)
		}
	}
	log, err := f.store.WebhookDeliveries(f.ctx, 1, 50)
	if err != nil || len(log) != 2 {
		t.Fatalf("clinic 1's log: %+v, %v", log, err)
	}
	got := log[1] // newest first
	if got.ID != ds[0].ID || got.Status != rdv.DeliveryDelivered || got.Attempts != 2 || got.LastCode != 204 ||
		!got.LastAttempt.Equal(later.Add(time.Minute)) || got.Endpoint.Secret != "" {
		t.Errorf("logged %+v: want delivered after 2 attempts, the third ignored", got)
	}
	if other, err := f.store.WebhookDeliveries(f.ctx, 2, 50); err != nil || len(other) != 0 {
		t.Errorf("clinic 2's log: %+v, %v", other, err)
	}
	eps, err := f.store.WebhookEndpoints(f.ctx, 1)
	if err != nil || len(eps) != 2 || eps[0].Secret != "" || !slices.Equal(eps[1].Events, second.Events) {
		t.Errorf("clinic 1's endpoints: %+v, %v", eps, err)
	}
}

// testRemovedEndpoint: a removed endpoint gets nothing more, its
// deliveries under way are given up, and only its clinic removes it.
func testRemovedEndpoint(t *testing.T, f *fixture) {
	e := f.endpoint(1, rdv.EventBooked)
	f.mustBook(f.inClinic(1, 1)[0])
	ds := f.fanOut()
	if len(ds) != 1 {
		t.Fatalf("%d deliveries, want 1", len(ds))
	}
	wantCode(t, "clinic 2 removes clinic 1's endpoint", f.store.RemoveWebhookEndpoint(f.ctx, 2, e.ID, f.now), rdv.ENOTFOUND)
	if err := f.store.RemoveWebhookEndpoint(f.ctx, 1, e.ID, f.now); err != nil {
		t.Fatalf("remove: %v", err)
	}
	wantCode(t, "remove twice", f.store.RemoveWebhookEndpoint(f.ctx, 1, e.ID, f.now), rdv.ENOTFOUND)
	f.mustBook(f.inClinic(1, 2)[1])
	if more := f.fanOut(); len(more) != 0 {
		t.Fatalf("a removed endpoint got %+v", more)
	}
	d, err := f.store.WebhookDelivery(f.ctx, ds[0].ID)
	if err != nil || d.Status != rdv.DeliveryFailed || d.Endpoint.RemovedAt.IsZero() {
		t.Fatalf("the delivery under way: %+v, %v", d, err)
	}
	if eps, err := f.store.WebhookEndpoints(f.ctx, 1); err != nil || len(eps) != 0 {
		t.Fatalf("live endpoints after removal: %+v, %v", eps, err)
	}
}

// sameEvent compares events, their instants by Equal.
func sameEvent(a, b rdv.AppointmentEvent) bool {
	same := func(x, y time.Time) bool { return x.Equal(y) }
	return a.ID == b.ID && a.Type == b.Type && a.ClinicID == b.ClinicID && a.AppointmentID == b.AppointmentID &&
		a.PractitionerID == b.PractitionerID && a.Service == b.Service && a.Status == b.Status &&
		same(a.Start, b.Start) && same(a.End, b.End) && same(a.PreviousStart, b.PreviousStart) &&
		same(a.PreviousEnd, b.PreviousEnd) && same(a.OccurredAt, b.OccurredAt)
}
