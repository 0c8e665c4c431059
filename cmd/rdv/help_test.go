package main

import (
	"context"
	"strings"
	"testing"
)

// Asking for help is not a failure: the exit status is 0 and the flags
// are listed. A mistake exits 1 and says what is wrong.
func TestExitStatus(t *testing.T) {
	tests := []struct {
		args []string
		code int
		says string
	}{
		{[]string{"flood", "--help"}, 0, "-target"},
		{[]string{"flood", "-h"}, 0, "-overload"},
		{[]string{"serve", "--help"}, 0, "-addr"},
		{[]string{"demo", "-help"}, 0, "-seed"},
		{[]string{"migrate", "--help"}, 0, "-db"},
		{[]string{"account", "create", "--help"}, 0, "-email"},
		{[]string{"help"}, 0, "rdv serve"},
		{[]string{"--help"}, 0, "rdv serve"},
		{nil, 1, "Usage:"},
		{[]string{"frobnicate"}, 1, `unknown command "frobnicate"`},
		{[]string{"flood", "--nope"}, 1, "-nope"},
		{[]string{"flood", "--duration", "0s"}, 1, "--duration"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out lockedBuffer
			m := NewMain()
			m.Stdout, m.Stderr = &out, &out
			if got := m.Exit(context.Background(), tt.args); got != tt.code {
				t.Errorf("exit status %d, want %d\n%s", got, tt.code, out.String())
			}
			if !strings.Contains(out.String(), tt.says) {
				t.Errorf("output lacks %q:\n%s", tt.says, out.String())
			}
		})
	}
}
