package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/mail"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rdv"
	"rdv/flagenv"
	"rdv/notify"
	"rdv/postgres"
	"rdv/sqlite"
	"rdv/webhook"
)

// notifyFlags are the settings of the messages rdv serve sends.
type notifyFlags struct {
	SMTP           string
	MailFrom       string
	SMS            string
	SMSFrom        string
	ReminderBefore time.Duration

	senders map[rdv.MessageChannel]notify.Sender // made by check
}

func (f *notifyFlags) register(fs *flag.FlagSet, env *flagenv.Reader) {
	fs.StringVar(&f.SMTP, "smtp", env.String("RDV_SMTP", ""), "mail server that sends the emails, such as smtp://user:pass@host:587 (STARTTLS when the server offers it); empty: emails are kept for the operators' page only (« Courriels envoyés ») (env RDV_SMTP)")
	fs.StringVar(&f.MailFrom, "mail-from", env.String("RDV_MAIL_FROM", "rdv <rdv@localhost>"), "the emails' sender (env RDV_MAIL_FROM)")
	fs.StringVar(&f.SMS, "sms", env.String("RDV_SMS", ""), "text-message provider, Twilio's API with the account's credentials, such as https://SID:TOKEN@api.twilio.com; empty: text messages are kept for the operators' page only (env RDV_SMS)")
	fs.StringVar(&f.SMSFrom, "sms-from", env.String("RDV_SMS_FROM", ""), "with --sms: the number text messages come from, such as +15145550123 (env RDV_SMS_FROM)")
	fs.DurationVar(&f.ReminderBefore, "reminder-before", env.Duration("RDV_REMINDER_BEFORE", 24*time.Hour), "how long before an appointment its reminder leaves; 0: no reminders (env RDV_REMINDER_BEFORE)")
}

// check validates the settings and makes the senders they name.
func (f *notifyFlags) check() error {
	if f.ReminderBefore < 0 || f.ReminderBefore > 14*24*time.Hour {
		return fmt.Errorf("--reminder-before %s: want between 0 (none) and 336h", f.ReminderBefore)
	}
	if _, err := mail.ParseAddress(f.MailFrom); err != nil {
		return fmt.Errorf("--mail-from %q: %w", f.MailFrom, err)
	}
	f.senders = map[rdv.MessageChannel]notify.Sender{rdv.ByEmail: notify.Keep, rdv.BySMS: notify.Keep}
	if f.SMTP != "" {
		s, err := notify.NewSMTP(f.SMTP, f.MailFrom)
		if err != nil {
			return fmt.Errorf("--smtp: %w", err)
		}
		f.senders[rdv.ByEmail] = s
	}
	if f.SMS != "" {
		if f.SMSFrom == "" {
			return fmt.Errorf("--sms needs --sms-from, the number text messages come from")
		}
		s, err := notify.NewTwilioSMS(f.SMS, f.SMSFrom)
		if err != nil {
			return fmt.Errorf("--sms: %w", err)
		}
		f.senders[rdv.BySMS] = s
	}
	return nil
}

// warnKept says which channels have no sender: their messages are kept
// and shown whole, sign-in codes included, to operators. Right on a
// laptop (make run), a leak anywhere else.
func (f *notifyFlags) warnKept(log *slog.Logger) {
	for _, c := range []struct {
		channel rdv.MessageChannel
		flag    string
	}{{rdv.ByEmail, "--smtp"}, {rdv.BySMS, "--sms"}} {
		if f.senders[c.channel] == notify.Keep {
			log.Warn("no sender configured: messages kept, shown whole to operators", "channel", c.channel, "set", c.flag)
		}
	}
}

// remindBefore is the engine's reminder lead: --reminder-before 0 means
// none, which the engine reads as negative.
func (f *notifyFlags) remindBefore() time.Duration {
	if f.ReminderBefore == 0 {
		return -1
	}
	return f.ReminderBefore
}

// queueMaxConns is the PostgreSQL connections the background jobs open:
// one listens for new jobs, the others fetch, complete and insert them.
const queueMaxConns = 6

// openNotifier opens the background jobs' own connection to the store's
// database and the notifier on it, River's tables brought up to date.
// River's tables are the River version's, not the store's schema: an
// instance brings them to the version it runs (instances that start
// together take turns). close releases the connection, once the
// notifier's Run has returned.
func (m *Main) openNotifier(ctx context.Context, f *serveFlags, store rdv.Store, publicURL string) (n *notify.Notifier, close func(), err error) {
	f.Notify.warnKept(m.Log)
	cfg := notify.Config{
		Store:   store,
		Senders: f.Notify.senders,
		Links:   notify.Links{Base: publicURL},
		Log:     m.Log.With("component", "notify"),
		Fee:     f.Fees.config(), // receipts print the tax numbers
	}
	// The clinics' webhooks run on the same River client.
	hooks, err := webhook.New(webhook.Config{Store: store, Client: m.WebhookClient, Log: m.Log.With("component", "webhook")})
	if err != nil {
		return nil, nil, err
	}
	cfg.Work = append(cfg.Work, hooks)
	if f.isPostgres() {
		pool, err := openQueuePool(ctx, f.DB)
		if err != nil {
			return nil, nil, err
		}
		if n, err = notify.NewPostgres(pool, cfg); err == nil {
			err = n.Migrate(ctx)
		}
		if err != nil {
			pool.Close()
			return nil, nil, err
		}
		return n, pool.Close, nil
	}
	db, err := sqlite.OpenQueueDB(f.DB)
	if err != nil {
		return nil, nil, err
	}
	if n, err = notify.NewSQLite(db, cfg); err == nil {
		err = n.Migrate(ctx)
	}
	if err != nil {
		_ = db.Close()
		return nil, nil, err
	}
	return n, func() { _ = db.Close() }, nil
}

// openQueuePool opens the background jobs' connections to the PostgreSQL
// database at url, read as the store reads it (connect_timeout bounds
// the dial).
func openQueuePool(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := postgres.PoolConfig(url)
	if err != nil {
		return nil, fmt.Errorf("background jobs' database: %w", err)
	}
	cfg.MaxConns = queueMaxConns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("background jobs' database: %w", err)
	}
	return pool, nil
}

// migrateQueue brings River's tables up to date in the flags' database:
// rdv migrate.
func migrateQueue(ctx context.Context, f *storeFlags) error {
	if f.isPostgres() {
		pool, err := openQueuePool(ctx, f.DB)
		if err != nil {
			return err
		}
		defer pool.Close()
		return notify.MigratePostgres(ctx, pool)
	}
	db, err := sqlite.OpenQueueDB(f.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	return notify.MigrateSQLite(ctx, db)
}

// runNotifier runs n until ctx ends, logging why it stopped early.
func runNotifier(ctx context.Context, n *notify.Notifier, log *slog.Logger) {
	if err := n.Run(ctx); err != nil {
		log.Error("message delivery stopped", "err", err)
	}
}
