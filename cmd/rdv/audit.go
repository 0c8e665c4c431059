package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	trail "rdv/audit"
	"rdv/flagenv"
)

// Audit runs rdv audit verify: it walks every chain of the audit trail and
// names the first bad entry, so that an operator (or the restore drill)
// learns whether the trail was tampered with.
func (m *Main) Audit(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(m.Stderr, "usage: rdv audit verify [--db rdv.db]")
		return errors.New("rdv audit: want the verify subcommand")
	}
	fs := newFlagSet("audit verify", m.Stderr)
	var sf storeFlags
	env := &flagenv.Reader{}
	sf.register(fs, env)
	if err := parseFlags(fs, env, args[1:]); err != nil {
		return err
	}
	if !sf.isPostgres() {
		// Opening a path that is not there would make an empty database,
		// whose empty trail verifies.
		if _, err := os.Stat(sf.DB); err != nil {
			return fmt.Errorf("rdv audit verify: %w", err)
		}
	}
	store, err := sf.open(ctx, m.Log)
	if err != nil {
		return err
	}
	defer store.Close()
	rep, err := trail.Verify(ctx, store)
	if err != nil {
		return fmt.Errorf("rdv audit verify: %w", err)
	}
	fmt.Fprintf(m.Stdout, "audit trail verified: %d entries in %d chains\n", rep.Entries, len(rep.Heads))
	for _, h := range rep.Heads {
		fmt.Fprintf(m.Stdout, "chain %d: seq %d, head %x\n", h.Chain, h.Seq, h.Hash)
	}
	return nil
}
