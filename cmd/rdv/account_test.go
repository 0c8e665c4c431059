package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"rdv"
	"rdv/auth"
	"rdv/sqlite"
	"rdv/storetest"
)

func TestAccountCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rdv.db")
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustLoad(t, s, storetest.SmallNetwork(storetest.Start))
	s.Close()

	tests := []struct {
		name     string
		args     []string
		password string
		ok       bool
	}{
		{"operator", []string{"--email", "Ops@Reseau.Example", "--role", "operator"}, "un long mot de passe\n", true},
		{"receptionist of clinic 1", []string{"--email", "accueil@clinique.example", "--role", "receptionist", "--clinic", "1"}, "un autre long mot de passe", true},
		{"short password", []string{"--email", "court@reseau.example", "--role", "operator"}, "court\n", false},
		{"receptionist without clinic", []string{"--email", "r@reseau.example", "--role", "receptionist"}, "un long mot de passe\n", false},
		{"same email", []string{"--email", "ops@reseau.example", "--role", "agent"}, "un long mot de passe\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdin = strings.NewReader(tt.password)
			var out lockedBuffer
			m := NewMain()
			m.Stdout, m.Stderr = &out, &out
			err := m.Run(ctx, append([]string{"account", "create", "--db", path}, tt.args...))
			if (err == nil) != tt.ok {
				t.Fatalf("account create: %v, want ok=%v\n%s", err, tt.ok, out.String())
			}
		})
	}
	s, err = sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.AccountByEmail(ctx, "ops@reseau.example")
	if err != nil || a.Role != rdv.Operator {
		t.Fatalf("operator account %+v, %v", a, err)
	}
	if ok, err := auth.VerifyPassword("un long mot de passe", a.PasswordHash); !ok || err != nil {
		t.Errorf("the stored hash does not match the password read: %v", err)
	}
}
