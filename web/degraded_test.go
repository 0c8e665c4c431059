package web

import (
	"net/http"
	"strings"
	"testing"

	"rdv"
)

// TestSearchAnswersWhileDatabaseIsDown: search reads the in-memory index
// only, so the search page and the search API keep answering, with
// results, once the store is closed; pages that show the banner keep the
// last one rather than wait on the database.
func TestSearchAnswersWhileDatabaseIsDown(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	before := s.get(s.searchQuery(), "fr").want(t, http.StatusOK)
	if err := s.store.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.Clinics(t.Context()); err == nil {
		t.Fatal("the closed store still answers: the test proves nothing")
	}
	s.srv.setBannerCached(rdv.Banner{})
	s.srv.banners.read = s.srv.banners.read.Add(-bannerTTL) // force a read of the closed store
	after := s.get(s.searchQuery(), "fr").want(t, http.StatusOK)
	firstSlotForm(t, after.body)
	if got, want := countSlots(after.body), countSlots(before.body); got != want || got == 0 {
		t.Fatalf("%d slots found with the database down, %d before", got, want)
	}
	api := s.get("/api/v1/slots?near=45.5017,-73.5673&service=general", "").want(t, http.StatusOK)
	api.contains(t, `"slots"`, `"start"`)
	s.get("/", "en").want(t, http.StatusOK)
}

func countSlots(page string) int { return strings.Count(page, `name="slot_id"`) }
