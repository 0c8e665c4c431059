package main

import (
	"context"
	"log/slog"
	"math"
	"strings"
	"testing"
)

// TestPGConnsBounded: a pool size past int32 is refused by name, never
// wrapped around into a negative or a small pool.
func TestPGConnsBounded(t *testing.T) {
	for _, tc := range []struct{ max, min int }{
		{math.MaxInt32 + 2, 0},
		{maxPGConns + 1, 4},
		{0, 0},
		{8, 9},
	} {
		f := storeFlags{DB: "postgres://127.0.0.1:1/none", PGMaxConns: tc.max, PGMinConns: tc.min}
		s, err := f.open(context.Background(), slog.New(slog.DiscardHandler))
		if err == nil {
			_ = s.Close()
			t.Fatalf("max %d, min %d: opened", tc.max, tc.min)
		}
		if !strings.Contains(err.Error(), "--pg-max-conns") {
			t.Errorf("max %d, min %d: %v, want the flags named", tc.max, tc.min, err)
		}
	}
}
