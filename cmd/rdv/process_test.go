package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// rdvProcessArgs, in the environment of this test binary, makes it rdv
// itself: its value is the command's arguments, in JSON. A test that
// needs rdv as a process of its own, as an operator runs it beside a
// server (another pool of connections, its own locks on an SQLite file),
// runs the test binary with it (runRDVProcess).
const rdvProcessArgs = "RDV_TEST_PROCESS_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(rdvProcessArgs); ok {
		rdv := NewMain()
		// Unbatched: the process exits as soon as the command returns.
		rdv.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", rdvProcessArgs, err)
			os.Exit(2)
		}
		os.Exit(rdv.Exit(context.Background(), argv))
	}
	os.Exit(m.Run())
}

// runRDVProcess runs rdv with args as a process of its own and returns
// what it wrote on its standard output and on its standard error (its
// log); a failure prints both.
func runRDVProcess(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0])
	argv, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), rdvProcessArgs+"="+string(argv))
	var out, log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &log
	if err := cmd.Run(); err != nil {
		t.Fatalf("rdv %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), log.String())
	}
	return out.String(), log.String()
}
