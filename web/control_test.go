package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// TestControlCharactersKeptOutOfTheCSV: a walk-in booked at the desk with
// a control or bidirectional character in a name is refused with the
// field's message, and the day's CSV export never carries one, not even
// from a row that was stored before forms refused them.
func TestControlCharactersKeptOutOfTheCSV(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	b := staffBrowser(t, s, accts, rdv.Receptionist)
	date := s.start.String()
	page := b.do(http.MethodGet, "/clinique?date="+date, nil).want(t, http.StatusOK)
	res := b.post(page, "/clinique/reserver", url.Values{"slot_id": {"3"}}).want(t, http.StatusSeeOther)
	form := b.do(http.MethodGet, res.location(t), nil).want(t, http.StatusOK)
	for _, c := range []struct{ name, field, value string }{
		{"null", "first_name", "Jean\x00Nul"},
		{"header injection", "last_name", "A\r\nSet-Cookie: x=1"},
		{"right-to-left override", "first_name", "Ab\u202edcba"},
		{"isolate", "last_name", "Tremblay\u2066"},
		{"tab", "first_name", "Léa\tX"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := url.Values{"first_name": {"Léa"}, "last_name": {"Tremblay"}, "birth_date": {"1985-04-07"}, "health_number": {"TREL85540712"},
				"phone": {"514-555-0123"}, "language": {"fr"}, "channel": {"sur_place"}, "cle": {hiddenValue(t, form.body, "cle")}}
			v.Set(c.field, c.value)
			b.sentBack(b.post(form, res.location(t), v), res.location(t)).contains(t, translate("fr", "err.control"))
		})
	}

	// A row written before the check, straight into the store.
	ctx := context.Background()
	now := time.Now()
	h, _, err := s.store.PlaceHold(ctx, rdv.HoldRequest{HoldID: "old-row", SlotID: 4, ClientKey: "old", TTL: time.Minute, Now: now})
	if err != nil {
		t.Fatalf("hold: %v", err)
	}
	old := rdv.Patient{FirstName: "Ab\u202edcba", LastName: "A\r\nSet-Cookie: x=1\x00", BirthDate: rdv.Date{Year: 1985, Month: 4, Day: 7},
		HealthNumber: "ABXA85040712", Phone: "514-555-0123", Language: "fr"}
	if _, _, err := s.store.ConfirmHold(ctx, rdv.ConfirmRequest{HoldID: h.ID, Patient: old, BookedBy: rdv.ByStaff, Channel: rdv.Phone,
		CancelTokenHash: auth.HashToken("t"), Now: now}); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	csv := b.do(http.MethodGet, "/clinique/journee.csv?date="+date, nil).want(t, http.StatusOK).body
	for _, bad := range []string{"\x00", "\r\nSet-Cookie", "\u202e", "\u2066", "\t"} {
		if strings.Contains(csv, bad) {
			t.Errorf("CSV carries %q:\n%q", bad, csv)
		}
	}
	if !strings.Contains(csv, "Abdcba ASet-Cookie: x=1") {
		t.Errorf("CSV lacks the old row's name without its control characters:\n%s", csv)
	}
}
