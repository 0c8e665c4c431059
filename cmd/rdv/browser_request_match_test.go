package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/i18n"
	"rdv/notify/smtptest"
	"rdv/sqlite"
	"rdv/storetest"
)

// matchNetworkDB returns the path of a new SQLite database holding two
// clinics of the small network: the Plateau's in Montréal with one slot
// of general consultation, the day after tomorrow at 10:00, and Saint-
// Roch's in Québec with free ones the same morning, far from Montréal.
func matchNetworkDB(t *testing.T) (string, rdv.Slot) {
	t.Helper()
	day := rdv.DateOf(time.Now()).AddDays(2)
	small := storetest.SmallNetwork(day)
	n := rdv.NetworkLoad{Clinics: []rdv.Clinic{small.Clinics[0], small.Clinics[2]},
		Practitioners: []rdv.Practitioner{small.Practitioners[0], small.Practitioners[3]}}
	slot := func(id, clinic, practitioner int64, minute int) rdv.Slot {
		at := day.Start(rdv.Toronto).Add(time.Duration(minute) * time.Minute)
		return rdv.Slot{ID: id, ClinicID: clinic, PractitionerID: practitioner, Service: rdv.General,
			Start: at, End: at.Add(15 * time.Minute), Audience: rdv.Public, State: rdv.SlotFree}
	}
	montreal := slot(1, 1, 1, 10*60)
	slots := []rdv.Slot{montreal}
	for i := range 4 {
		slots = append(slots, slot(int64(i+2), 3, 4, 9*60+15*i))
	}
	n.SlotCount = len(slots)
	n.Slots = func(yield func(rdv.Slot, int64) bool) {
		for _, s := range slots {
			if !yield(s, 0) {
				return
			}
		}
	}
	path := filepath.Join(t.TempDir(), "rdv.db")
	s, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustLoad(t, s, n)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path, montreal
}

// proposalLink finds the link of a request's page in a proposal's email.
var proposalLink = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/demande/D-[0-9A-Z-]+\?token=[A-Za-z0-9_-]+`)

// waitMail waits for the first email to to whose subject starts with
// subject, and returns it.
func waitMail(t *testing.T, mail *smtptest.Server, to, subject string) smtptest.Received {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range mail.Messages() {
			if len(m.To) == 1 && m.To[0] == to && strings.HasPrefix(m.Subject, subject) {
				return m
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	var got []string
	for _, m := range mail.Messages() {
		got = append(got, fmt.Sprintf("%v %q", m.To, m.Subject))
	}
	t.Fatalf("no email to %s about %q after 20 s; received %v", to, subject, got)
	return smtptest.Received{}
}

// TestBrowserRequestMatched is the whole path of « Trouvez-moi un
// rendez-vous » in a browser, against the real server mailing a real SMTP
// server: a patient files a request for the whole network on /demande,
// paying by the local provider's token, while the only fitting slot is
// someone else's appointment; that person cancels elsewhere (the API);
// the proposal's email arrives, the patient opens its link, accepts, and
// sees the appointment booked; the fee is captured (the request's API,
// the operators' ledger, which balances and was told to the provider) and
// the receipt is on the request's page and in a second email.
func TestBrowserRequestMatched(t *testing.T) {
	t.Parallel()
	db, slot := matchNetworkDB(t)
	mail := smtptest.Start(t)
	_, base := startMain(t, "--db", db, "--smtp", mail.URL())

	// Someone else holds the one slot that will fit.
	hold := call(t, "POST", base+"/api/v1/holds", map[string]any{"slot_id": slot.ID}, 201)
	other := call(t, "POST", base+"/api/v1/appointments", map[string]any{"hold_id": hold["hold_id"],
		"patient": map[string]any{"first_name": "Marc", "last_name": "Gagnon", "birth_date": "1970-02-03",
			"health_number": "GAGM70020312", "phone": "514-555-0177", "language": "fr"}}, 201)

	ctx := newBrowser(t, withTimeout(3*time.Minute))
	if st := visit(t, ctx, base+"/demande"); st != 200 {
		t.Fatalf("request form: status %d", st)
	}
	fill(t, ctx, "first_name", "Léa", "last_name", "Tremblay", "birth_date", "1985-04-07", "health_number", "TREL85540712",
		"email", "lea@example.org", "place", "Montréal", "payment", "tok-visa")
	shot(t, ctx, "form")
	if st := submit(t, ctx, `form[action="/demande"] button[type=submit]`); st != 200 {
		t.Fatalf("request: status %d", st)
	}
	ref := regexp.MustCompile(`D-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`).FindString(text(t, ctx, "main .reference"))
	if ref == "" {
		t.Fatalf("no reference on the confirmation: %q", text(t, ctx, "main"))
	}
	shot(t, ctx, "sent")
	// Its own page, followed from the confirmation: waiting, as the slot
	// is taken (the spool hands it to the store and the matcher first).
	submit(t, ctx, `main a[href*="/demande/`+ref+`?"]`)
	mine := location(t, ctx)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(text(t, ctx, "main .status"), "Nous cherchons"); {
		if time.Now().After(deadline) {
			t.Fatalf("the request's page says %q, want it waiting", text(t, ctx, "main .status"))
		}
		time.Sleep(100 * time.Millisecond)
		visit(t, ctx, mine)
	}
	shot(t, ctx, "waiting")

	// The other person cancels: the slot goes to the request, and its
	// email to Léa.
	call(t, "POST", fmt.Sprintf("%s/api/v1/appointments/%v/cancel", base, other["id"]), map[string]any{"token": other["cancel_token"]}, 200)
	proposal := waitMail(t, mail, "lea@example.org", "Un rendez-vous vous est proposé")
	link := proposalLink.FindString(proposal.Text)
	if link == "" || !strings.Contains(link, "/demande/"+ref+"?") {
		t.Fatalf("the proposal's email has no link to request %s:\n%s", ref, proposal.Text)
	}
	if !strings.Contains(proposal.Text, "Clinique du Plateau") {
		t.Errorf("the proposal's email does not name the clinic:\n%s", proposal.Text)
	}

	if st := visit(t, ctx, link); st != 200 {
		t.Fatalf("the proposal's link: status %d", st)
	}
	mustContain(t, ctx, "#proposal-title", "Le rendez-vous proposé")
	mustContain(t, ctx, "main", "Clinique du Plateau")
	shot(t, ctx, "proposal")
	if st := submit(t, ctx, `form[action$="/accepter"] button[type=submit]`); st != 200 {
		t.Fatalf("accept: status %d", st)
	}
	if loc := location(t, ctx); !strings.Contains(loc, "/rendez-vous/") {
		t.Fatalf("accepting led to %s, want the appointment's page", loc)
	}
	mustContain(t, ctx, "main", "Clinique du Plateau")
	shot(t, ctx, "booked")

	// The request's page: booked, and the receipt of the fee taken.
	total := i18n.FormatMoney(rdv.DefaultFeeConfig().Quote().TotalCents, "fr")
	visit(t, ctx, link)
	mustContain(t, ctx, "main .status", "Votre rendez-vous est réservé")
	mustContain(t, ctx, "#booked-title", "Votre rendez-vous")
	mustContain(t, ctx, "#receipt-title", "Reçu")
	mustContain(t, ctx, ".receipt", total)
	shot(t, ctx, "receipt")
	receipt := waitMail(t, mail, "lea@example.org", "Reçu")
	if !strings.Contains(receipt.Text, total) || !strings.Contains(receipt.Text, ref) {
		t.Errorf("the receipt's email lacks %s or %s:\n%s", total, ref, receipt.Text)
	}

	// The fee as the API tells it, opened by the proposal's token.
	got := call(t, "GET", base+"/api/v1/requests/"+ref+"?"+link[strings.Index(link, "?")+1:], nil, 200)
	fee, _ := got["fee"].(map[string]any)
	if got["status"] != "booked" || fee["status"] != "captured" || fee["amount_cents"] != float64(rdv.DefaultFeeConfig().Quote().TotalCents) {
		t.Fatalf("the request after accepting: %v, want booked with its fee captured", got)
	}

	// The operators' ledger: the capture, told to the provider, balanced.
	mustCreateOperator(t, base)
	op := newBrowser(t)
	visit(t, op, base+"/operateur/frais")
	if st := signInStaff(t, op, "operateur@reseau.example", operatorPassword); st != 200 {
		t.Fatalf("sign in: status %d", st)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		row := text(t, op, "table.ledger tbody tr")
		if strings.Contains(row, ref) && strings.Contains(row, "Prise") && !strings.Contains(row, "pas encore confirmé") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ledger's newest row %q, want the capture of %s told to the provider", row, ref)
		}
		time.Sleep(200 * time.Millisecond)
		visit(t, op, base+"/operateur/frais")
	}
	mustContain(t, op, "#captured", total)
	if n := count(t, op, "p.notice#balance"); n != 1 {
		t.Fatalf("the ledger does not balance: %q", text(t, op, "#balance"))
	}
	shot(t, op, "ledger")
}
