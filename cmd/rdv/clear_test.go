package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/auth"
	"rdv/fieldcrypt"
	"rdv/notify/smtptest"
	"rdv/postgres"
	"rdv/postgres/pgtest"
	"rdv/sqlite"
	"rdv/storetest"
)

// TestNoPatientDataInClear runs the real server with its data keys, an
// SMTP server, a text-message provider, the request spool and (on
// SQLite) the continuous replica, logging to a file at the debug level,
// and drives every write that carries a patient's identity (clear_paths_test.go)
// with identities found nowhere else. Then, the server stopped, no
// health number, name, phone or email of theirs may be found in clear
// in the database's files (or, on PostgreSQL, in the text of any row),
// the spool, the replica or the log, and every value must have come
// back in the server's answers, so that the run carried them.
func TestNoPatientDataInClear(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		keysFile := writeKeys(t)
		db := filepath.Join(t.TempDir(), "rdv.db")
		s, err := sqlite.Open(context.Background(), db, sqlite.Options{Keys: mustReadKeys(t, keysFile)})
		if err != nil {
			t.Fatal(err)
		}
		runClear(t, s, clearTarget{db: db, keys: keysFile, dbDir: filepath.Dir(db),
			replica: filepath.Join(t.TempDir(), "replica"), lockOut: lockSQLite})
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		db := pgtest.CreateDB(t)
		if err := postgres.Migrate(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		keysFile := writeKeys(t)
		s, err := postgres.Open(context.Background(), db, postgres.Options{MaxConns: 4, Keys: mustReadKeys(t, keysFile)})
		if err != nil {
			t.Fatal(err)
		}
		runClear(t, s, clearTarget{db: db, keys: keysFile, lockOut: lockPostgres})
	})
}

// clearTarget is the database a run of TestNoPatientDataInClear serves.
type clearTarget struct {
	db, keys string
	dbDir    string // SQLite: the directory of its files
	replica  string // SQLite: the replica's directory ("": none)
	// lockOut makes the requests' table unavailable to the server until
	// the returned release; its writes fail meanwhile.
	lockOut func(t *testing.T, db string, failed func() bool) (release func())
}

func mustReadKeys(t *testing.T, path string) *fieldcrypt.Keys {
	t.Helper()
	k, err := fieldcrypt.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// clearStaff are the staff of the run, made in the store before the
// server starts: an agent and an operator with their authenticator apps,
// a receptionist of clinic 1 without one.
var clearStaff = []struct {
	email  string
	role   rdv.Role
	clinic int64
}{
	{"agente.clair@reseau.example", rdv.PhoneAgent, 0},
	{"accueil.clair@plateau.example", rdv.Receptionist, 1},
	{"operateur.clair@reseau.example", rdv.Operator, 0},
}

// runClear loads the small network into s (then closes it), serves it,
// drives the run and reads what it left.
func runClear(t *testing.T, s rdv.Store, target clearTarget) {
	ctx := context.Background()
	start := rdv.DateOf(time.Now()).AddDays(1)
	storetest.MustLoad(t, s, storetest.SmallNetwork(start))
	hash, err := auth.HashPassword(staffPassword, auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range clearStaff {
		a, err := s.CreateAccount(ctx, rdv.Account{Email: st.email, Name: st.email, Role: st.role, ClinicID: st.clinic, PasswordHash: hash})
		if err != nil {
			t.Fatal(err)
		}
		if st.role.RequiresSecondFactor() {
			enrolTOTP(t, s, a)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	mail := smtptest.Start(t)
	mail.Refuse(clearBounced.email)
	texts := &textProvider{refuse: clearBounced.phone}
	smsServer := httptest.NewServer(texts)
	t.Cleanup(smsServer.Close)
	spoolDir, logDir := t.TempDir(), t.TempDir()
	logPath := filepath.Join(logDir, "rdv.log")
	args := []string{"--db", target.db, "--keys", target.keys, "--client-limits=off",
		"--spool", filepath.Join(spoolDir, "requests.spool"),
		"--smtp", mail.URL(), "--mail-from", "Clinique rdv <rdv@example.org>",
		"--sms", strings.Replace(smsServer.URL, "http://", "http://AC123:s3cr3t@", 1), "--sms-from", "+15145550100"}
	if target.replica != "" {
		args = append(args, "--replica", target.replica)
	}
	srv := startLoggedServer(t, logPath, args...)

	seen := &seen{}
	run := &clearRun{t: t, base: srv.m.URL(), mail: mail, texts: texts, seen: seen, start: start, log: logPath,
		spool: filepath.Join(spoolDir, "requests.spool"), lockOut: func(failed func() bool) func() {
			return target.lockOut(t, target.db, failed)
		}}
	began := time.Now()
	run.all()
	t.Logf("workload: %v", time.Since(began).Round(time.Millisecond))

	finder := newLeakFinder(t, clearIdentities)
	if target.dbDir != "" {
		// The write-ahead log as it is while serving: a checkpoint at
		// the stop folds it into the database and removes it.
		finder.checkTree("while serving: database directory", target.dbDir)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
	if target.dbDir != "" {
		finder.checkTree("database directory", target.dbDir)
	} else {
		finder.checkPostgres(ctx, target.db)
	}
	if target.replica != "" {
		finder.checkTree("replica", target.replica)
	}
	finder.checkTree("spool", spoolDir)
	finder.checkTree("log", logDir)
	// Last: a store opened with keys seals what it finds in clear.
	run.readBack(target)
	for _, m := range mail.Messages() {
		seen.add([]byte(m.Text))
		seen.add([]byte(strings.Join(m.To, "\n")))
	}
	seen.add([]byte(texts.received()))
	if missing := seen.missing(clearIdentities); len(missing) > 0 {
		t.Errorf("the run never got back, in any answer, message or read: %s", strings.Join(missing, "; "))
	}
	if info, err := os.Stat(logPath); err != nil || info.Size() < 10_000 {
		t.Errorf("the log file is nearly empty (%v): the test reads the wrong one", err)
	}
	t.Logf("%d files and tables read for %d identities", finder.read, len(clearIdentities))
}

// loggedServer is a real server logging to a file, at the debug level,
// that the test stops before reading its files.
type loggedServer struct {
	m      *Main
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

func startLoggedServer(t *testing.T, logPath string, args ...string) *loggedServer {
	t.Helper()
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	out := &lockedBuffer{}
	w := io.MultiWriter(f, out)
	s := &loggedServer{m: NewMain(), done: make(chan error, 1)}
	s.m.Stdout, s.m.Stderr = w, w
	s.m.Log = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// What a package logs without a logger of its own goes there too.
	was := slog.Default()
	slog.SetDefault(s.m.Log)
	t.Cleanup(func() { slog.SetDefault(was) })
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "off"}, args...)
	go func() { s.done <- s.m.Run(ctx, args) }()
	select {
	case <-s.m.Ready():
	case err := <-s.done:
		cancel()
		t.Fatalf("serve stopped before listening: %v\n%s", err, out)
	case <-time.After(time.Minute):
		cancel()
		t.Fatalf("serve not ready after a minute\n%s", out)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
		if t.Failed() {
			t.Logf("server's last lines:\n%s", lastLogLines(out.String(), 40))
		}
	})
	return s
}

// Stop shuts the server down and returns what serve returned.
func (s *loggedServer) Stop() error {
	s.once.Do(func() {
		s.cancel()
		s.err = <-s.done
	})
	return s.err
}

// textProvider stands in for Twilio's Messages API: it takes every text
// message but those to refuse, which it refuses as Twilio refuses a
// number that is none.
type textProvider struct {
	refuse string // as typed
	mu     sync.Mutex
	taken  []textMessage
}

// textMessage is a text message as the provider got it.
type textMessage struct{ to, body string }

func (p *textProvider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	to := r.PostForm.Get("To")
	p.mu.Lock()
	p.taken = append(p.taken, textMessage{to, r.PostForm.Get("Body")})
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if refused, _ := rdv.NormalizePhone(p.refuse); to == refused {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"code":21211,"message":"The 'To' number %s is not a valid phone number.","status":400}`, to)
		return
	}
	w.WriteHeader(http.StatusCreated)
	fmt.Fprint(w, `{"sid":"SM1","status":"queued"}`)
}

// to returns the texts of the messages to a phone (as typed).
func (p *textProvider) to(phone string) []string {
	n, _ := rdv.NormalizePhone(phone)
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, m := range p.taken {
		if m.to == n {
			out = append(out, m.body)
		}
	}
	return out
}

// received returns every message taken, each its number, then its text.
func (p *textProvider) received() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, m := range p.taken {
		b.WriteString(m.to + "\n" + m.body + "\n")
	}
	return b.String()
}

// lockSQLite takes the database's write lock from a connection of its
// own, as another process would, until release: the server's writes wait
// for it (busy_timeout), then fail. It holds the lock until failed says
// a write failed.
func lockSQLite(t *testing.T, db string, failed func() bool) func() {
	t.Helper()
	c, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := c.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("take the write lock: %v", err)
	}
	return func() {
		waitUntil(t, 30*time.Second, "a write of the server failed on the lock", failed)
		if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			t.Errorf("release the write lock: %v", err)
		}
		conn.Close()
		c.Close()
	}
}

// lockPostgres locks the requests' table from a connection of its own
// until release, and ends the server's connection that waits for it:
// the server's write fails, as with a connection lost, and its retries
// wait again.
func lockPostgres(t *testing.T, db string, failed func() bool) func() {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE requests IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	return func() {
		admin, err := pgx.Connect(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close(ctx)
		waitUntil(t, 30*time.Second, "a write of the server failed on the lock", func() bool {
			_, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
				WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`)
			if err != nil {
				t.Fatal(err)
			}
			return failed()
		})
		if err := tx.Rollback(ctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
			t.Errorf("release the lock: %v", err)
		}
		conn.Close(ctx)
	}
}
