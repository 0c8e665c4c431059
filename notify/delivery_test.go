package notify

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rdv"
	"rdv/auth"
	"rdv/notify/smtptest"
	"rdv/postgres"
	"rdv/postgres/pgtest"
	"rdv/sqlite"
	"rdv/storetest"
)

// deliveryDB is a store holding the small network from the day after
// tomorrow on, in real time (River schedules jobs by the clock), and the
// way to open River on the same database.
type deliveryDB struct {
	store rdv.Store
	kind  string // "sqlite" or "postgres"
	where string // the database file, or its URL
	mu    sync.Mutex
	free  []rdv.Slot // free public slots not yet booked by the test
	seq   int
}

// onBothStores runs fn on SQLite and, when RDV_TEST_POSTGRES_URL is set,
// on PostgreSQL, side by side, each store loaded with the small network.
func onBothStores(t *testing.T, fn func(t *testing.T, d *deliveryDB)) {
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		fn(t, loadDelivery(t, openSQLiteDelivery(t)))
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		t.Parallel()
		fn(t, loadDelivery(t, openPostgresDelivery(t)))
	})
}

// openSQLiteDelivery and openPostgresDelivery open an empty store, closed
// when the test ends.
func openSQLiteDelivery(t testing.TB) *deliveryDB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rdv.db")
	s, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &deliveryDB{store: s, kind: "sqlite", where: path}
}

func openPostgresDelivery(t testing.TB) *deliveryDB {
	t.Helper()
	url := pgtest.CreateMigratedDB(t, postgres.Migrate)
	ctx := context.Background()
	s, err := postgres.Open(ctx, url, postgres.Options{MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &deliveryDB{store: s, kind: "postgres", where: url}
}

// loadDelivery loads the small network into d's store, from the day
// after tomorrow on.
func loadDelivery(t testing.TB, d *deliveryDB) *deliveryDB {
	t.Helper()
	n := storetest.SmallNetwork(rdv.DateOf(time.Now()).AddDays(2))
	storetest.MustLoad(t, d.store, n)
	slots, patients := storetest.Slots(n)
	for i, s := range slots {
		if s.Audience == rdv.Public && s.State == rdv.SlotFree && patients[i] == 0 {
			d.free = append(d.free, s)
		}
	}
	return d
}

// openDelivery opens River on d's database, its tables migrated, and a
// notifier with cfg (Store and Log filled in); what it opens closes when
// the test ends.
func openDelivery(t testing.TB, d *deliveryDB, cfg Config) *Notifier {
	t.Helper()
	ctx := context.Background()
	cfg.Store = d.store
	if cfg.Links.Base == "" {
		cfg.Links.Base = "https://rdv.example.org"
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var n *Notifier
	var err error
	switch d.kind {
	case "sqlite":
		db, oerr := sqlite.OpenQueueDB(d.where)
		if oerr != nil {
			t.Fatal(oerr)
		}
		t.Cleanup(func() { db.Close() })
		n, err = NewSQLite(db, cfg)
	default:
		pool, oerr := pgxpool.New(ctx, d.where)
		if oerr != nil {
			t.Fatal(oerr)
		}
		t.Cleanup(pool.Close)
		n, err = NewPostgres(pool, cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return n
}

// run runs n until the test ends.
func run(t testing.TB, n *Notifier) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("notifier: %v", err)
		}
	})
}

// emailTo is the email sender to a test mail server.
func emailTo(t testing.TB, mail *smtptest.Server) map[rdv.MessageChannel]Sender {
	t.Helper()
	s, err := NewSMTP(mail.URL(), "rdv <rdv@example.org>")
	if err != nil {
		t.Fatal(err)
	}
	return map[rdv.MessageChannel]Sender{rdv.ByEmail: s}
}

// book books the next free slot for a patient reached by email at to,
// with a reminder remind before (0: none).
func (d *deliveryDB) book(t testing.TB, to string, remind time.Duration) rdv.Appointment {
	t.Helper()
	d.mu.Lock()
	slot := d.free[0]
	d.free = d.free[1:]
	d.seq++
	seq := d.seq
	d.mu.Unlock()
	ctx, now := context.Background(), time.Now()
	h, _, err := d.store.PlaceHold(ctx, rdv.HoldRequest{HoldID: fmt.Sprintf("h%d", seq), SlotID: slot.ID,
		ClientKey: fmt.Sprintf("c%d", seq), MaxLiveHolds: 3, TTL: 5 * time.Minute, Now: now})
	if err != nil {
		t.Fatalf("hold slot %d: %v", slot.ID, err)
	}
	p := storetest.TestPatient(seq)
	p.Email = to
	token := auth.RandomToken(18)
	a, _, err := d.store.ConfirmHold(ctx, rdv.ConfirmRequest{HoldID: h.ID, Patient: p, BookedBy: rdv.BySelf, Channel: rdv.API,
		CancelToken: token, CancelTokenHash: auth.HashToken(token), Now: now,
		Notify: rdv.Notify{Email: true}, RemindBefore: remind})
	if err != nil {
		t.Fatalf("confirm slot %d: %v", slot.ID, err)
	}
	return a
}

// messages returns the messages about an appointment by kind.
func (d *deliveryDB) messages(t testing.TB, appt int64) map[rdv.MessageKind]rdv.Message {
	t.Helper()
	ms, err := d.store.Messages(context.Background(), rdv.MessageFilter{AppointmentID: appt})
	if err != nil {
		t.Fatal(err)
	}
	out := map[rdv.MessageKind]rdv.Message{}
	for _, m := range ms {
		out[m.Kind] = m
	}
	return out
}

// waitStatus waits until the message of kind about appt has status, and
// returns it.
func (d *deliveryDB) waitStatus(t testing.TB, appt int64, kind rdv.MessageKind, status rdv.MessageStatus, within time.Duration) rdv.Message {
	t.Helper()
	return d.waitFor(t, appt, kind, string(status), within, func(m rdv.Message) bool { return m.Status == status })
}

// waitFor waits until the message of kind about appt is as ok wants
// (what, in the failure), and returns it.
func (d *deliveryDB) waitFor(t testing.TB, appt int64, kind rdv.MessageKind, what string, within time.Duration, ok func(rdv.Message) bool) rdv.Message {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		m, found := d.messages(t, appt)[kind]
		if found && ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s message of appointment %d after %s: %s after %d attempts (%q); want %s", kind, appt, within, m.Status, m.Attempts, m.LastError, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDeliveryConfirmation: a booking's confirmation reaches the mail
// server once, and the store records what was sent, its secret wiped.
func TestDeliveryConfirmation(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, d *deliveryDB) {
		mail := smtptest.Start(t)
		run(t, openDelivery(t, d, Config{Senders: emailTo(t, mail)}))
		a := d.book(t, "lea@example.org", 0)
		got := mail.Wait(t, 1, 10*time.Second)[0]
		if len(got.To) != 1 || got.To[0] != "lea@example.org" || got.Subject == "" {
			t.Errorf("email to %v, subject %q", got.To, got.Subject)
		}
		m := d.waitStatus(t, a.ID, rdv.MessageConfirmed, rdv.MessageSent, 5*time.Second)
		if m.Attempts != 1 || m.Subject != got.Subject || m.Body == "" || m.SentAt.IsZero() {
			t.Errorf("recorded %+v; want one attempt, the subject %q, a body, a time", m, got.Subject)
		}
		full, err := d.store.Message(context.Background(), m.ID)
		if err != nil || full.Secret != "" {
			t.Errorf("message once sent: secret %q, %v; want it wiped", full.Secret, err)
		}
		time.Sleep(time.Second)
		if n := len(mail.Messages()); n != 1 {
			t.Fatalf("%d emails for one booking, want 1", n)
		}
	})
}

// TestDeliveryRetries: a message that surely did not leave (the server
// unreachable, or refusing mail for now) is tried again after a backoff,
// and delivered once.
func TestDeliveryRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// down makes the server fail the first attempt, and returns the
		// server's URL for the sender and what brings it up again.
		down func(t *testing.T, mail *smtptest.Server) (url string, up func())
	}{
		{"Unreachable", func(t *testing.T, mail *smtptest.Server) (string, func()) {
			addr := freeAddr(t)
			return "smtp://" + addr, func() { forward(t, addr, mail.Addr) }
		}},
		{"TemporaryRefusal", func(t *testing.T, mail *smtptest.Server) (string, func()) {
			mail.SetFault(smtptest.TempFailMail, smtptest.Always)
			return mail.URL(), func() { mail.SetFault(smtptest.Healthy, 0) }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			onBothStores(t, func(t *testing.T, d *deliveryDB) {
				mail := smtptest.Start(t)
				url, up := tt.down(t, mail)
				s, err := NewSMTP(url, "rdv <rdv@example.org>")
				if err != nil {
					t.Fatal(err)
				}
				run(t, openDelivery(t, d, Config{Senders: map[rdv.MessageChannel]Sender{rdv.ByEmail: s}}))
				a := d.book(t, "lea@example.org", 0)
				began := time.Now()
				m := d.waitFor(t, a.ID, rdv.MessageConfirmed, "queued after a failed attempt", 10*time.Second, func(m rdv.Message) bool {
					return m.Status == rdv.MessageQueued && m.Attempts == 1
				})
				if m.LastError == "" {
					t.Errorf("a failed attempt recorded no error: %+v", m)
				}
				up()
				m = d.waitStatus(t, a.ID, rdv.MessageConfirmed, rdv.MessageSent, 20*time.Second)
				if took := time.Since(began); took < 4*time.Second {
					t.Errorf("retried after %s; want a backoff of about 5 s", took)
				}
				if m.Attempts != 2 {
					t.Errorf("sent after %d attempts, want 2", m.Attempts)
				}
				if n := len(mail.Wait(t, 1, time.Second)); n != 1 {
					t.Fatalf("%d emails, want 1", n)
				}
			})
		})
	}
}

// TestDeliveryBounce: an address the server refuses for good is marked
// bounced and never tried again.
func TestDeliveryBounce(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, d *deliveryDB) {
		mail := smtptest.Start(t)
		mail.Refuse("nobody@example.org")
		run(t, openDelivery(t, d, Config{Senders: emailTo(t, mail)}))
		a := d.book(t, "nobody@example.org", 0)
		m := d.waitStatus(t, a.ID, rdv.MessageConfirmed, rdv.MessageBounced, 10*time.Second)
		if m.Attempts != 1 || m.LastError == "" {
			t.Errorf("bounced %+v; want one attempt and why", m)
		}
		// Past the first retry's time: nothing came back.
		time.Sleep(retryDelay(1)*11/10 + time.Second)
		m = d.messages(t, a.ID)[rdv.MessageConfirmed]
		if m.Status != rdv.MessageBounced || m.Attempts != 1 || mail.Connections() != 1 {
			t.Fatalf("after a bounce: %s, %d attempts, %d connections; want bounced, 1, 1", m.Status, m.Attempts, mail.Connections())
		}
	})
}

// TestDeliveryReminders: a reminder, written once its confirmation has
// left, waits for its time; an appointment cancelled before its
// confirmation left (the notifier starts after the cancellation) has the
// confirmation skipped and no reminder.
func TestDeliveryReminders(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, d *deliveryDB) {
		mail := smtptest.Start(t)
		n := openDelivery(t, d, Config{Senders: emailTo(t, mail)})
		// Due in three seconds.
		remindFor := func() time.Duration {
			d.mu.Lock()
			defer d.mu.Unlock()
			return time.Until(d.free[0].Start) - 3*time.Second
		}
		kept := d.book(t, "kept@example.org", remindFor())
		cancelled := d.book(t, "cancelled@example.org", remindFor())
		due := d.messages(t, kept.ID)[rdv.MessageConfirmed].ReminderAt
		if due.IsZero() {
			t.Fatal("the confirmation brings no reminder")
		}
		if _, _, err := d.store.Cancel(context.Background(), rdv.CancelRequest{AppointmentID: cancelled.ID, ByStaff: true, Now: time.Now()}); err != nil {
			t.Fatal(err)
		}
		run(t, n)
		m := d.waitStatus(t, kept.ID, rdv.MessageReminder, rdv.MessageSent, 15*time.Second)
		if m.SentAt.Before(due) {
			t.Errorf("reminder sent at %s, before its time %s", m.SentAt, due)
		}
		d.waitStatus(t, kept.ID, rdv.MessageConfirmed, rdv.MessageSent, 10*time.Second)
		m = d.waitStatus(t, cancelled.ID, rdv.MessageConfirmed, rdv.MessageSkipped, 5*time.Second)
		if m.Attempts != 1 || m.LastError == "" {
			t.Errorf("skipped %+v; want one attempt and why", m)
		}
		d.waitStatus(t, cancelled.ID, rdv.MessageCancelledByClinic, rdv.MessageSent, 10*time.Second)
		if r, ok := d.messages(t, cancelled.ID)[rdv.MessageReminder]; ok {
			t.Errorf("the cancelled appointment has a reminder: %+v", r)
		}
		// The kept one its confirmation and its reminder, the cancelled
		// one its cancellation only.
		mail.Wait(t, 3, 10*time.Second)
		time.Sleep(500 * time.Millisecond)
		to := map[string]int{}
		for _, r := range mail.Messages() {
			to[r.To[0]]++
		}
		if len(mail.Messages()) != 3 || to["kept@example.org"] != 2 || to["cancelled@example.org"] != 1 {
			t.Fatalf("emails by recipient %v; want two to the kept one, one to the cancelled one", to)
		}
	})
}

// TestDeliveryDispatchCutOff: a dispatch cut off between making the jobs
// and marking the messages makes the same jobs again, which River drops:
// one email.
func TestDeliveryDispatchCutOff(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, d *deliveryDB) {
		ctx := context.Background()
		mail := smtptest.Start(t)
		n := openDelivery(t, d, Config{Senders: emailTo(t, mail)})
		a := d.book(t, "lea@example.org", 0)
		msgs, err := d.store.UndispatchedMessages(ctx, time.Now().Add(dispatchAhead), dispatchBatch)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("undispatched: %d messages, %v; want 1", len(msgs), err)
		}
		if made, err := n.insertJobs(ctx, msgs); err != nil || made != 1 {
			t.Fatalf("first dispatch: %d jobs, %v; want 1", made, err)
		}
		// Cut off here: not marked, so the next dispatch finds it again.
		if made, err := n.insertJobs(ctx, msgs); err != nil || made != 0 {
			t.Fatalf("dispatch again: %d jobs, %v; want none", made, err)
		}
		run(t, n)
		mail.Wait(t, 1, 10*time.Second)
		m := d.waitStatus(t, a.ID, rdv.MessageConfirmed, rdv.MessageSent, 5*time.Second)
		if m.Attempts != 1 {
			t.Errorf("%d attempts, want 1", m.Attempts)
		}
		// The job may have sent the message before the dispatcher's next
		// round marks it: wait for that round.
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			left, err := d.store.UndispatchedMessages(ctx, time.Now().Add(dispatchAhead), dispatchBatch)
			if err == nil && len(left) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after dispatching: %d undispatched, %v", len(left), err)
			}
		}
		time.Sleep(time.Second)
		if got := len(mail.Messages()); got != 1 {
			t.Fatalf("%d emails, want 1", got)
		}
	})
}

// freeAddr returns a local address where nothing listens.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// forward listens at addr and relays every connection to to, until the
// test ends: the server at addr is up.
func forward(t *testing.T, addr, to string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				s, err := net.Dial("tcp", to)
				if err != nil {
					return
				}
				defer s.Close()
				go func() { io.Copy(s, c); s.Close() }()
				io.Copy(c, s)
			})
		}
	})
}
