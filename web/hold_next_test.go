package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"rdv"
)

// TestHoldNextNeedsARunOutHold: holding the next time goes past the
// waiting room because only a visitor let in has a hold id; so it holds
// nothing for a made-up or live hold, nor a time its page does not offer
// (another clinic or service), and the slot stays free.
func TestHoldNextNeedsARunOutHold(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	b := flowBrowser(t, s, "visitor")
	form, loc := b.holdFrom(b.do(http.MethodGet, "/recherche?"+flowSearch(s).Encode(), nil))
	ctx := context.Background()
	h, _ := s.store.Hold(ctx, holdIDOf(loc))
	held, _ := s.store.Slot(ctx, h.SlotID)
	var same, other rdv.Slot
	for id := int64(1); id < 2000 && (same.ID == 0 || other.ID == 0); id++ {
		sl, err := s.store.Slot(ctx, id)
		if err != nil || sl.State != rdv.SlotFree || sl.Start.Before(time.Now()) || sl.Audience != rdv.Public {
			continue
		}
		switch {
		case sl.ClinicID == held.ClinicID && sl.Service == held.Service && same.ID == 0:
			same = sl
		case (sl.ClinicID != held.ClinicID || sl.Service != held.Service) && other.ID == 0:
			other = sl
		}
	}
	if same.ID == 0 || other.ID == 0 {
		t.Fatalf("no free slots to try: same %d, other %d", same.ID, other.ID)
	}
	try := func(hold string, slot rdv.Slot, want int) {
		t.Helper()
		b.post(form, "/reservation/"+hold+"/prochain", url.Values{"slot_id": {strconv.FormatInt(slot.ID, 10)}}).want(t, want)
		if sl, _ := s.store.Slot(ctx, slot.ID); sl.State != rdv.SlotFree {
			t.Fatalf("slot %d is %s after holding the next time of hold %s", slot.ID, sl.State, hold)
		}
	}
	try("h_madeUpByAnyoneWhoWasNotLetIn", same, http.StatusNotFound)
	try(h.ID, same, http.StatusNotFound) // still live: nothing ran out
	s.clock.Set(h.ExpiresAt.Add(time.Minute))
	try(h.ID, other, http.StatusBadRequest) // not what the page offers
	// What the page offers is held.
	b.post(form, "/reservation/"+h.ID+"/prochain", url.Values{"slot_id": {strconv.FormatInt(same.ID, 10)}}).want(t, http.StatusSeeOther)
	if sl, _ := s.store.Slot(ctx, same.ID); sl.State != rdv.SlotHeld {
		t.Fatalf("the time the page offers is %s, want held", sl.State)
	}
}
