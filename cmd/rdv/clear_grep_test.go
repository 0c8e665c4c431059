package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/superfly/ltx"
	"golang.org/x/text/unicode/norm"

	"rdv"
)

// identity is a patient, child or guardian that TestNoPatientDataInClear
// invents: names, a health number, a phone and an email found nowhere
// else, so that finding one in a file can only mean the run put it there.
type identity struct {
	first, last string
	birth       string // YYYY-MM-DD
	hn          string // the card's twelve characters
	phone       string // as people type it: 514-555-0147
	email       string
}

// newIdentity makes a person born on birth (YYYY-MM-DD) with a health
// number that matches the name and the birth date (50 added to the month
// for a woman, as the card does), serial its last two digits.
func newIdentity(first, last, birth string, female bool, serial int, phone, email string) identity {
	d, err := rdv.ParseDate(birth)
	if err != nil {
		panic(err)
	}
	month := int(d.Month)
	if female {
		month += 50
	}
	hn := fmt.Sprintf("%s%02d%02d%02d%02d", rdv.HealthNumberLetters(first, last), d.Year%100, month, d.Day, serial)
	return identity{first: first, last: last, birth: birth, hn: hn, phone: phone, email: email}
}

func (id identity) name() string { return id.first + " " + id.last }

// patientJSON is the identity as the API takes a patient.
func (id identity) patientJSON() map[string]any {
	return map[string]any{"first_name": id.first, "last_name": id.last, "birth_date": id.birth,
		"health_number": id.hn, "phone": id.phone, "email": id.email, "language": "fr"}
}

// secret is one form of an identity's value that no file may hold. The
// primary form of each value is the one the server must have shown back
// somewhere (seen.missing).
type secret struct {
	who, what, value string
	primary          bool
}

// secrets lists the forms each value takes in the app: the health number
// as stored and as printed on the card; names as typed and without their
// accents; the phone as its ten digits (inside +1…, the form stores keep)
// and as written (514 555-0147, 514-555-0147); the email. Matching is
// case-blind, so upper-cased names are found too.
func (id identity) secrets() []secret {
	who := id.name()
	out := []secret{
		{who, "health number", id.hn, true},
		{who, "health number as printed", id.hn[:4] + " " + id.hn[4:8] + " " + id.hn[8:], false},
	}
	for _, n := range []struct{ what, v string }{{"first name", id.first}, {"last name", id.last}} {
		out = append(out, secret{who, n.what, n.v, true})
		if f := foldAccents(n.v); f != n.v {
			out = append(out, secret{who, n.what + " without accents", f, false})
		}
	}
	if id.phone != "" {
		e164, ok := rdv.NormalizePhone(id.phone)
		if !ok {
			panic("bad phone " + id.phone)
		}
		d := e164[2:]
		out = append(out,
			secret{who, "phone's digits", d, true},
			secret{who, "phone as shown", d[:3] + " " + d[3:6] + "-" + d[6:], false},
			secret{who, "phone as typed", d[:3] + "-" + d[3:6] + "-" + d[6:], false})
	}
	if id.email != "" {
		out = append(out, secret{who, "email", id.email, true})
	}
	return out
}

// foldAccents drops the accents of s (Zéphyrine: Zephyrine).
func foldAccents(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// leakFinder reads files for the secrets of the run's identities.
type leakFinder struct {
	t       *testing.T
	secrets []secret
	lower   [][]byte // each secret's value, lower-cased
	read    int      // files read, for the log
}

func newLeakFinder(t *testing.T, ids []identity) *leakFinder {
	f := &leakFinder{t: t}
	for _, id := range ids {
		for _, s := range id.secrets() {
			f.secrets = append(f.secrets, s)
			f.lower = append(f.lower, bytes.ToLower([]byte(s.value)))
		}
	}
	return f
}

// check fails the test for every secret that data, read from where,
// holds in clear.
func (f *leakFinder) check(where string, data []byte) {
	f.t.Helper()
	f.read++
	low := bytes.ToLower(data)
	for i, s := range f.secrets {
		if bytes.Contains(low, f.lower[i]) {
			f.t.Errorf("%s holds %s's %s %q in clear", where, s.who, s.what, s.value)
		}
	}
}

// checkTree checks every file under dir as bytes (label names dir in the
// messages). A file that goes away while the server runs is skipped.
func (f *leakFinder) checkTree(label, dir string) {
	f.t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		f.check(label+" "+rel, data)
		if strings.HasSuffix(path, ".ltx") {
			f.checkLTX(label+" "+rel, data)
		}
		return nil
	})
	if err != nil {
		f.t.Fatalf("read %s: %v", dir, err)
	}
}

// checkLTX checks the pages of a Litestream file, which are compressed:
// a name kept in clear in the database could read as anything in the
// file's bytes.
func (f *leakFinder) checkLTX(where string, data []byte) {
	f.t.Helper()
	dec := ltx.NewDecoder(bytes.NewReader(data))
	if err := dec.DecodeHeader(); err != nil {
		f.t.Fatalf("%s: %v", where, err)
	}
	var pages bytes.Buffer
	page := make([]byte, dec.Header().PageSize)
	for {
		var hdr ltx.PageHeader
		err := dec.DecodePage(&hdr, page)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			f.t.Fatalf("%s: page: %v", where, err)
		}
		pages.Write(page)
	}
	f.check(where+" (its pages)", pages.Bytes())
}

// checkPostgres checks the text of every row of every table of the
// database at url, River's included: what a dump would hold.
func (f *leakFinder) checkPostgres(ctx context.Context, url string) {
	f.t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		f.t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables
		WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)
	if err != nil {
		f.t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		f.t.Fatal(err)
	}
	for _, table := range tables {
		var text string
		if err := conn.QueryRow(ctx, `SELECT coalesce(string_agg(t::text, E'\n'), '') FROM `+table+` t`).Scan(&text); err != nil {
			f.t.Fatalf("dump %s: %v", table, err)
		}
		f.check("PostgreSQL table "+table, []byte(text))
	}
	// A row's text shows bytes in hex: the byte columns are read as
	// they are.
	rows, err = conn.Query(ctx, `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name), quote_ident(column_name)
		FROM information_schema.columns WHERE data_type = 'bytea' AND table_schema NOT IN ('pg_catalog', 'information_schema')`)
	if err != nil {
		f.t.Fatal(err)
	}
	type column struct{ Table, Name string }
	columns, err := pgx.CollectRows(rows, pgx.RowToStructByPos[column])
	if err != nil {
		f.t.Fatal(err)
	}
	for _, c := range columns {
		rows, err := conn.Query(ctx, `SELECT coalesce(`+c.Name+`, '') FROM `+c.Table)
		if err != nil {
			f.t.Fatal(err)
		}
		values, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
		if err != nil {
			f.t.Fatalf("dump %s.%s: %v", c.Table, c.Name, err)
		}
		f.check("PostgreSQL column "+c.Table+"."+c.Name, bytes.Join(values, []byte("\n")))
	}
}

// seen collects what the server answered and sent, so that the test
// knows the workload carried every value: a leak test whose values never
// reached the server would pass for nothing.
type seen struct{ b bytes.Buffer }

func (s *seen) add(data []byte) { s.b.Write(bytes.ToLower(data)); s.b.WriteByte('\n') }

// missing lists the values the server never showed back.
func (s *seen) missing(ids []identity) []string {
	var out []string
	for _, id := range ids {
		for _, sec := range id.secrets() {
			if sec.primary && !bytes.Contains(s.b.Bytes(), bytes.ToLower([]byte(sec.value))) {
				out = append(out, fmt.Sprintf("%s's %s %q", sec.who, sec.what, sec.value))
			}
		}
	}
	return out
}
