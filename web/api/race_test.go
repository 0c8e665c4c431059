package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// TestRacingHoldsAndBookings has many clients race through the API for the
// same few slots: each slot ends with exactly one booking, and every loser
// is told so with 409.
func TestRacingHoldsAndBookings(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	slots := []int64{3, 4, 5}
	const clients = 60
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		booked = map[int64]int{}
		bad    []string
	)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slot := slots[i%len(slots)]
			remote := fmt.Sprintf("198.51.100.%d:1", i+1)
			res, body := a.do(request{method: "POST", url: "/api/v1/holds", body: fmt.Sprintf(`{"slot_id":%d}`, slot), remote: remote})
			if res.StatusCode == http.StatusConflict {
				return
			}
			if res.StatusCode != http.StatusCreated {
				mu.Lock()
				bad = append(bad, fmt.Sprintf("hold: %d %s", res.StatusCode, body))
				mu.Unlock()
				return
			}
			var hold struct {
				HoldID string `json:"hold_id"`
			}
			if err := json.Unmarshal(body, &hold); err != nil {
				mu.Lock()
				bad = append(bad, fmt.Sprintf("hold answer: %v", err))
				mu.Unlock()
				return
			}
			holdID := hold.HoldID
			res, body = a.do(request{method: "POST", url: "/api/v1/appointments", body: confirmBody(t, holdID, patientJSON), remote: remote})
			mu.Lock()
			defer mu.Unlock()
			if res.StatusCode != http.StatusCreated {
				bad = append(bad, fmt.Sprintf("confirm: %d %s", res.StatusCode, body))
				return
			}
			booked[slot]++
		}()
	}
	wg.Wait()
	for _, b := range bad {
		t.Error(b)
	}
	for _, s := range slots {
		if booked[s] != 1 {
			t.Errorf("slot %d booked %d times, want once", s, booked[s])
		}
	}
}
