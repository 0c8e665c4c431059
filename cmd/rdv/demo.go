package main

import (
	"context"
	"fmt"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/demo"
	"rdv/flagenv"
)

// demoFlags choose the demo network to build.
type demoFlags struct {
	Seed  int64
	Start string
	Weeks int // 0: demo.DefaultWeeks
}

func (d *demoFlags) options(now time.Time) (demo.Options, error) {
	start := rdv.DateOf(now)
	if d.Start != "" {
		s, err := rdv.ParseDate(d.Start)
		if err != nil {
			return demo.Options{}, fmt.Errorf("--start: want YYYY-MM-DD: %w", err)
		}
		start = s
	}
	if d.Weeks < 0 || d.Weeks > 52 {
		return demo.Options{}, fmt.Errorf("--weeks %d: want between 1 and 52", d.Weeks)
	}
	return demo.Options{Seed: d.Seed, Start: start, Weeks: d.Weeks}, nil
}

// Demo builds the demo network into an empty database.
func (m *Main) Demo(ctx context.Context, args []string) error {
	fs := newFlagSet("demo", m.Stderr)
	var sf storeFlags
	var df demoFlags
	env := &flagenv.Reader{}
	sf.register(fs, env)
	fs.Int64Var(&df.Seed, "seed", 1, "seed of the demo network: the same seed builds the same network")
	fs.StringVar(&df.Start, "start", "", "first day of slots, YYYY-MM-DD (default today)")
	fs.IntVar(&df.Weeks, "weeks", demo.DefaultWeeks, "weeks of slots from the first day")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	opts, err := df.options(time.Now())
	if err != nil {
		return err
	}
	sf.createDemoKeys = true
	store, err := sf.openMigrated(ctx, m.Log)
	if err != nil {
		return err
	}
	defer store.Close()
	empty, err := store.Empty(ctx)
	if err != nil {
		return err
	}
	if !empty {
		return fmt.Errorf("%s already holds a network: use a new database", sf.DB)
	}
	if err := m.loadDemo(ctx, store, opts); err != nil {
		return err
	}
	return m.ensureDemoBackupKey(sf.DB)
}

// loadDemo builds the demo network and writes it, showing progress.
func (m *Main) loadDemo(ctx context.Context, store rdv.Store, opts demo.Options) error {
	began := time.Now()
	n, err := demo.Build(opts)
	if err != nil {
		return fmt.Errorf("build demo network: %w", err)
	}
	if err := store.LoadNetwork(ctx, n, demo.ProgressBar(m.Stderr, "Réseau de démonstration / demo network")); err != nil {
		return fmt.Errorf("load demo network: %w", err)
	}
	fmt.Fprintf(m.Stderr, "demo network: %d clinics, %d practitioners, %d slots from %s, built in %.1f s\n",
		len(n.Clinics), len(n.Practitioners), n.SlotCount, opts.Start, time.Since(began).Seconds())
	return m.createDemoStaff(ctx, store)
}

// demoStaff are the accounts a newcomer signs in with to try the consoles.
var demoStaff = []rdv.Account{
	{Email: "operateur@example.org", Name: "Opératrice de démonstration", Role: rdv.Operator},
	{Email: "agent@example.org", Name: "Agent de démonstration", Role: rdv.PhoneAgent},
	{Email: "accueil@example.org", Name: "Accueil de la clinique 1", Role: rdv.Receptionist, ClinicID: 1},
	{Email: "admin@example.org", Name: "Administration de la clinique 1", Role: rdv.ClinicAdmin, ClinicID: 1},
}

// createDemoStaff creates the demo staff accounts with fresh random
// passwords, shown once on the terminal: a demo database must not carry
// passwords anyone could read in the source.
func (m *Main) createDemoStaff(ctx context.Context, store rdv.Store) error {
	fmt.Fprintln(m.Stderr, "demo staff accounts (sign in at /connexion; passwords are shown only now):")
	for _, a := range demoStaff {
		password := auth.NewToken()[:16]
		hash, err := auth.HashPassword(password, auth.DefaultParams)
		if err != nil {
			return err
		}
		a.PasswordHash, a.Language = hash, "fr"
		if _, err := store.CreateAccount(ctx, a); err != nil {
			return fmt.Errorf("create demo account %s: %w", a.Email, err)
		}
		fmt.Fprintf(m.Stderr, "  %-13s %-24s %s\n", a.Role, a.Email, password)
	}
	return nil
}

// Migrate brings the database schema up to date.
func (m *Main) Migrate(ctx context.Context, args []string) error {
	fs := newFlagSet("migrate", m.Stderr)
	var sf storeFlags
	env := &flagenv.Reader{}
	sf.register(fs, env)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := sf.migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintln(m.Stdout, "schema up to date")
	return nil
}
