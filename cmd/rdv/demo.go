package main

import (
	"context"
	"fmt"
	"time"

	"rdv"
	"rdv/demo"
)

// demoFlags choose the demo network to build.
type demoFlags struct {
	Seed  int64
	Start string
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
	return demo.Options{Seed: d.Seed, Start: start}, nil
}

// Demo builds the demo network into an empty database.
func (m *Main) Demo(ctx context.Context, args []string) error {
	fs := newFlagSet("demo", m.Stderr)
	var sf storeFlags
	var df demoFlags
	sf.register(fs)
	fs.Int64Var(&df.Seed, "seed", 1, "seed of the demo network: the same seed builds the same network")
	fs.StringVar(&df.Start, "start", "", "first day of slots, YYYY-MM-DD (default today)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts, err := df.options(time.Now())
	if err != nil {
		return err
	}
	store, err := sf.open(ctx)
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
	return m.loadDemo(ctx, store, opts)
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
	return nil
}

// Migrate brings the database schema up to date.
func (m *Main) Migrate(ctx context.Context, args []string) error {
	fs := newFlagSet("migrate", m.Stderr)
	var sf storeFlags
	sf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := sf.migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintln(m.Stdout, "schema up to date")
	return nil
}
