// Command rdv runs the appointment platform: the server, its migrations, the
// demo network, the flood test, backups and restores. One binary,
// subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"rdv/flagenv"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := NewMain().Exit(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// errNoCommand is the error of rdv run without a subcommand: the usage is
// printed, but nobody asked for it, so the exit status says so.
var errNoCommand = errors.New("no command given")

// Exit runs args like Run and returns the process's exit status: 0 when
// the command ran, or printed the help that "-h" or "--help" asked for;
// 1 when it failed, after saying why on Stderr.
func (m *Main) Exit(ctx context.Context, args []string) int {
	err := m.Run(ctx, args)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errNoCommand):
		return 1 // the usage already says what to type
	}
	fmt.Fprintln(m.Stderr, "rdv:", err)
	return 1
}

const usage = `rdv books medical appointments across a network of clinics.

Usage:
  rdv serve   [--addr :8080] [--db rdv.db] [--demo]   run the platform
  rdv migrate [--db rdv.db]                           bring the database schema up to date
  rdv demo    [--db rdv.db] [--seed 1] [--start YYYY-MM-DD]  build the demo network
  rdv account create --email E --role R [--clinic N] < password   add a staff account
  rdv flood   --target URL [--duration 20s] [--overload 10] [--json] [--report DIR]
  rdv backup  --db rdv.db --out FILE [--backup-recipient age1…]   encrypted snapshot, servers running
  rdv restore --in FILE --db NEW [--backup-identity FILE] [--replace] [--quick]   bring a backup back
  rdv restore --replica DIR [--at RFC3339] --db NEW [--replace] [--quick]   bring back the moment before an attack (serve --replica DIR)
  rdv audit verify [--db rdv.db]                      check the audit trail's hash chains
  rdv keys    generate | add --keys FILE | rotate --db DB [--keys FILE]   the data keys that seal patient data

--db takes a file path (embedded SQLite) or a postgres:// URL; RDV_DB and
RDV_ADDR are read when the flags are absent. "rdv CMD -h" lists every flag.
`

// Run runs the subcommand named by args[0].
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return errNoCommand
	}
	switch args[0] {
	case "serve":
		return m.Serve(ctx, args[1:])
	case "migrate":
		return m.Migrate(ctx, args[1:])
	case "demo":
		return m.Demo(ctx, args[1:])
	case "flood":
		return m.Flood(ctx, args[1:])
	case "account":
		return m.Account(ctx, args[1:])
	case "backup":
		return m.Backup(ctx, args[1:])
	case "restore":
		return m.Restore(ctx, args[1:])
	case "audit":
		return m.Audit(ctx, args[1:])
	case "keys":
		return m.Keys(ctx, args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	default:
		fmt.Fprint(m.Stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

// parseFlags parses args, then reports the malformed environment fallbacks
// that env met while the flags were registered: a bad RDV_… value stops
// the command at start, naming the variable, rather than giving way to a
// default silently.
func parseFlags(fs *flag.FlagSet, env *flagenv.Reader, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	return env.Err()
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("rdv "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}
