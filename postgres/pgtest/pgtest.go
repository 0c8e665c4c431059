// Package pgtest gives tests of any package a fresh PostgreSQL database on
// the server named by RDV_TEST_POSTGRES_URL, or a private server of their
// own to crash and restart, and skips them, saying why, where there is
// none.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable holding the test server's URL.
const EnvURL = "RDV_TEST_POSTGRES_URL"

// ServerURL returns the URL of the test server, or skips the test.
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		t.Skip(EnvURL + " is not set: PostgreSQL tests need a server")
	}
	return u
}

// CreateDB creates an empty database with a random name, dropped when the
// test ends, and returns its URL. Tests get a database each so that they
// can run in parallel without seeing each other's rows.
func CreateDB(t testing.TB) string {
	t.Helper()
	return createFrom(t, "")
}

// CreateMigratedDB creates a database as CreateDB does, with migrate's
// schema already in it. The migrations run once per test process, into a
// template that every later database copies: a copy costs a tenth of
// running them. Every call of a process passes the same migrate.
func CreateMigratedDB(t testing.TB, migrate func(ctx context.Context, url string) error) string {
	t.Helper()
	base := ServerURL(t)
	template.once.Do(func() { template.name, template.err = buildTemplate(base, migrate) })
	if template.err != nil {
		t.Fatalf("migrated template: %v", template.err)
	}
	return createFrom(t, template.name)
}

// template is this process's migrated database. Each test process builds
// its own: processes of other packages, or of another checkout with other
// migrations, may run at the same time on the same server.
var template struct {
	once sync.Once
	name string
	err  error
}

func buildTemplate(base string, migrate func(ctx context.Context, url string) error) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	name := dbName("rdv_tmpl")
	if err := adminExec(ctx, base, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	if err := migrate(ctx, withDB(base, name)); err != nil {
		return "", fmt.Errorf("migrate %s: %w", name, err)
	}
	return name, nil
}

// createFrom creates a database copied from template (template1 when
// empty), dropped when the test ends.
func createFrom(t testing.TB, template string) string {
	t.Helper()
	base := ServerURL(t)
	sweep.Do(func() { sweepOrphans(base) })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := dbName("rdv_test")
	create := "CREATE DATABASE " + name
	if template != "" {
		create += " TEMPLATE " + template
	}
	if err := adminExec(ctx, base, create); err != nil {
		t.Fatalf("create database: %v", err)
	}
	// Dropping a database makes the server write a checkpoint, a second
	// or more under load: the test does not wait for it. A drop that the
	// process's end cuts short leaves a database named for a dead
	// process, which the next test process sweeps.
	t.Cleanup(func() {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_ = adminExec(ctx, base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		}()
	})
	return withDB(base, name)
}

// dbName is prefix, this process's ID, and random hex: the ID tells a
// later process whether the database's owner is still running.
func dbName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + "_" + strconv.Itoa(os.Getpid()) + "_" + hex.EncodeToString(b)
}

var sweep sync.Once

// sweepOrphans drops the test databases and templates whose process is
// gone. It assumes, as CI and a developer's machine do, that the test
// server's test databases are made by processes of this machine.
func sweepOrphans(base string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'rdv\_test\_%' OR datname LIKE 'rdv\_tmpl\_%'`)
	if err != nil {
		return
	}
	var orphans []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) != nil {
			continue
		}
		parts := strings.Split(name, "_")
		if len(parts) != 4 {
			continue // a name of an older scheme, or not ours
		}
		pid, err := strconv.Atoi(parts[2])
		if err != nil || pid <= 0 {
			continue
		}
		if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			orphans = append(orphans, name)
		}
	}
	rows.Close()
	for _, name := range orphans {
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
}

func adminExec(ctx context.Context, base, sql string) error {
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		return fmt.Errorf("connect to the test server: %w", err)
	}
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, sql)
	return err
}

// withDB is the server's URL with the database name replaced.
func withDB(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(fmt.Sprintf("parse %s: %v", EnvURL, err)) // pgx accepted it already
	}
	u.Path = "/" + name
	return u.String()
}
