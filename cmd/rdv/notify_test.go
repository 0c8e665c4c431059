package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rdv/notify/smtptest"
	"rdv/sqlite"
)

// TestServeEmailsTheConfirmation books through the real server started
// with --smtp: the confirmation reaches the mail server once, from
// --mail-from, with the appointment's link on the server's address.
func TestServeEmailsTheConfirmation(t *testing.T) {
	t.Parallel()
	mail := smtptest.Start(t)
	_, base := startServer(t, "--smtp", mail.URL(), "--mail-from", "Clinique rdv <rdv@example.org>")
	slots := call(t, "GET", base+"/api/v1/slots?place=Montr%C3%A9al&radius_km=250&service=general&limit=1", nil, 200)["slots"].([]any)
	if len(slots) == 0 {
		t.Fatal("search found no slot")
	}
	hold := call(t, "POST", base+"/api/v1/holds", map[string]any{"slot_id": slots[0].(map[string]any)["id"]}, 201)
	appt := call(t, "POST", base+"/api/v1/appointments", map[string]any{
		"hold_id": hold["hold_id"],
		"patient": map[string]any{"first_name": "Léa", "last_name": "Tremblay", "birth_date": "1985-04-07",
			"health_number": "TREL85540712", "phone": "514-555-0123", "email": "lea@example.org", "language": "fr"},
	}, 201)
	got := mail.Wait(t, 1, 10*time.Second)
	m := got[0]
	if len(m.To) != 1 || m.To[0] != "lea@example.org" || m.From != "rdv@example.org" {
		t.Errorf("envelope from %q to %v; want rdv@example.org to lea@example.org", m.From, m.To)
	}
	link := fmt.Sprintf("%s/rendez-vous/%v?token=%v", base, appt["id"], appt["cancel_token"])
	if !strings.Contains(m.Text, link) {
		t.Errorf("the confirmation has no link %s:\n%s", link, m.Text)
	}
	// Nothing more leaves for it: one booking, one email.
	time.Sleep(time.Second)
	if n := len(mail.Messages()); n != 1 {
		t.Fatalf("%d emails for one booking, want 1", n)
	}
}

// TestServeRefusesBadNotifySettings: each setting of the messages is
// checked at start, and the error names the flag.
func TestServeRefusesBadNotifySettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		flag string
	}{
		{[]string{"--smtp", "http://mail.example.org"}, "--smtp"},
		{[]string{"--smtp", "smtp://user@mail.example.org"}, "--smtp"},
		{[]string{"--mail-from", "nobody"}, "--mail-from"},
		{[]string{"--sms", "https://SID:TOKEN@api.twilio.com"}, "--sms-from"},
		{[]string{"--sms", "ftp://api.twilio.com", "--sms-from", "+15145550123"}, "--sms"},
		{[]string{"--reminder-before", "-1h"}, "--reminder-before"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "never.db")
			m := NewMain()
			m.Stdout, m.Stderr = io.Discard, io.Discard
			err := m.Run(context.Background(), append([]string{"serve", "--db", path}, tt.args...))
			if err == nil || !strings.Contains(err.Error(), tt.flag) {
				t.Fatalf("%v: %v; want an error naming %s", tt.args, err, tt.flag)
			}
		})
	}
}

// TestMigrateMakesRiverTables: rdv migrate brings the background jobs'
// tables up with the store's schema.
func TestMigrateMakesRiverTables(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "rdv.db")
	m := NewMain()
	m.Stdout, m.Stderr = io.Discard, io.Discard
	if err := m.Run(context.Background(), []string{"migrate", "--db", path}); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.OpenQueueDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM river_job`).Scan(&n); err != nil {
		t.Fatalf("River's job table after rdv migrate: %v", err)
	}
}
