package sqlite_test

import (
	"path/filepath"
	"testing"

	"rdv"
	"rdv/sqlite"
	"rdv/storetest"
)

// MustOpen opens a fresh store in a file of t's temporary directory and
// closes it when the test ends.
func MustOpen(t testing.TB, opts sqlite.Options) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "rdv.db"), opts)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) rdv.Store { return MustOpen(t, sqlite.Options{}) })
}
