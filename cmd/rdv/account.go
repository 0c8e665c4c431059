package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"rdv"
	"rdv/auth"
	"rdv/flagenv"
)

// stdin is where rdv account create reads the password: a flag would
// leave it in the shell's history and the process list.
var stdin io.Reader = os.Stdin

// Account runs rdv account create: how production makes its first
// operator, and how operators add staff before the consoles can.
func (m *Main) Account(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(m.Stderr, "usage: rdv account create --email E --role R [--clinic N] [--name N] [--db rdv.db] < password")
		return errors.New("rdv account: want the create subcommand")
	}
	fs := newFlagSet("account create", m.Stderr)
	var sf storeFlags
	env := &flagenv.Reader{}
	sf.register(fs, env)
	email := fs.String("email", "", "the account's email, its sign-in name")
	role := fs.String("role", "", "operator, agent, receptionist or clinic_admin")
	clinic := fs.Int64("clinic", 0, "the clinic of a receptionist or clinic_admin")
	name := fs.String("name", "", "the person's name")
	lang := fs.String("lang", "fr", "the account's language: fr or en")
	if err := parseFlags(fs, env, args[1:]); err != nil {
		return err
	}
	password, err := readPassword(stdin)
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(password, auth.DefaultParams)
	if err != nil {
		return err
	}
	store, err := sf.open(ctx, m.Log)
	if err != nil {
		return err
	}
	defer store.Close()
	a, err := store.CreateAccount(ctx, rdv.Account{
		Email: *email, Name: *name, Role: rdv.Role(*role), ClinicID: *clinic, PasswordHash: hash, Language: *lang,
	})
	if err != nil {
		return fmt.Errorf("rdv account create: %w", err)
	}
	fmt.Fprintf(m.Stdout, "account %d created: %s, %s", a.ID, a.Email, a.Role)
	if a.ClinicID != 0 {
		fmt.Fprintf(m.Stdout, " of clinic %d", a.ClinicID)
	}
	fmt.Fprintln(m.Stdout)
	return nil
}

// readPassword reads the first line of r as the password.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if len([]rune(password)) < auth.MinPasswordLen {
		return "", fmt.Errorf("the password on standard input has fewer than %d characters", auth.MinPasswordLen)
	}
	return password, nil
}
