package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestReplicaFlagsRefused: rdv restore takes one source, --at only with
// a replica and in RFC 3339; rdv serve keeps the replica out of the
// database's directory, and off PostgreSQL.
func TestReplicaFlagsRefused(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "rdv.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"restore", "--in", "x.backup", "--replica", "r", "--db", db}, "give one source"},
		{[]string{"restore", "--db", db}, "--in FILE (a backup) or --replica DIR is required"},
		{[]string{"restore", "--in", "x.backup", "--at", "2031-03-03T04:12:00Z", "--db", db}, "--at goes with --replica"},
		{[]string{"restore", "--replica", "r", "--at", "2031-03-03 04:12", "--db", db}, "want RFC 3339"},
		{[]string{"serve", "--db", db, "--replica", filepath.Join(dir, "replica")}, "lies in the database's directory"},
		{[]string{"serve", "--db", "postgres://localhost/rdv", "--replica", t.TempDir()}, "archived by pgBackRest"},
	} {
		out, err := runRDV(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("rdv %s: %v (%s), want an error saying %q", strings.Join(tc.args, " "), err, out, tc.want)
		}
	}
}
