package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"rdv"
)

func TestServeFeeFlags(t *testing.T) {
	m := NewMain()
	m.Stdout, m.Stderr = io.Discard, io.Discard
	f, err := m.parseServe([]string{"--fee-cents", "2500", "--gst-number", "123456789 RT0001", "--qst-number", "1234567890 TQ0001"})
	if err != nil {
		t.Fatal(err)
	}
	want := rdv.FeeConfig{AmountCents: 2500, GSTNumber: "123456789 RT0001", QSTNumber: "1234567890 TQ0001"}
	if got := f.Fees.config(); got != want {
		t.Fatalf("fee %+v, want %+v", got, want)
	}
	if f, err := m.parseServe(nil); err != nil || f.Fees.config() != rdv.DefaultFeeConfig() {
		t.Fatalf("default fee %+v, %v", f.Fees.config(), err)
	}
	for _, args := range [][]string{
		{"serve", "--fee-cents", "0"},
		{"serve", "--fee-cents", "-1999"},
		{"serve", "--fee-cents", "100001"},
		{"serve", "--payment-provider", "stripe"},
		{"serve", "--fee-settle-every", "1ms"},
	} {
		m := NewMain()
		m.Stdout, m.Stderr = io.Discard, io.Discard
		if err := m.Run(context.Background(), args); err == nil || !strings.Contains(err.Error(), args[1]) {
			t.Errorf("%v: %v, want an error naming %s", args, err, args[1])
		}
	}
	t.Setenv("RDV_DB", filepath.Join(t.TempDir(), "never.db"))
	t.Setenv("RDV_FEE_CENTS", "19.99")
	m = NewMain()
	m.Stdout, m.Stderr = io.Discard, io.Discard
	if err := m.Run(t.Context(), []string{"serve"}); err == nil || !strings.Contains(err.Error(), "RDV_FEE_CENTS") {
		t.Fatalf("RDV_FEE_CENTS=19.99: %v; want an error naming it", err)
	}
}
