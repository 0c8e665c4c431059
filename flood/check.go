package flood

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Check is what the server says about the bookings it acknowledged.
type Check struct {
	Acknowledged   int `json:"bookings_acknowledged"`
	Cancelled      int `json:"cancellations_acknowledged"`
	Checked        int `json:"bookings_checked"`
	DoubleBookings int `json:"double_bookings"` // active bookings beyond the first on one slot
	LostBookings   int `json:"lost_bookings"`   // acknowledged, then missing or cancelled by nobody
	Unverified     int `json:"bookings_unverified"`
}

// verdict is the server's view of one acknowledged booking.
type verdict struct {
	found  bool
	active bool
	slotID int64
	err    error
}

// checkBookings asks the server about every acknowledged booking: each must
// exist (and be active unless this run cancelled it), and no slot may hold
// two active bookings. Lookups are bounded in count, concurrency and time.
func checkBookings(ctx context.Context, client *http.Client, base string, acked []booking, cancelled, tried map[int64]bool) Check {
	c := Check{Acknowledged: len(acked), Cancelled: len(cancelled)}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	verdicts := make([]verdict, len(acked))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				verdicts[i] = lookup(ctx, client, base, acked[i])
			}
		}()
	}
	for i := range acked {
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()

	active := map[int64]int{}
	for i, b := range acked {
		v := verdicts[i]
		switch {
		case v.err != nil || (!v.found && ctx.Err() != nil):
			c.Unverified++
			continue
		case !v.found:
			c.LostBookings++
		case !v.active && !cancelled[b.ID] && !tried[b.ID]:
			c.LostBookings++ // cancelled, but not by its holder
		}
		c.Checked++
		if v.found && v.active {
			slot := v.slotID
			if slot == 0 {
				slot = b.SlotID
			}
			active[slot]++
		}
	}
	// Acknowledged bookings that the server still shows active on the same
	// slot are double bookings, whatever the server says elsewhere.
	for _, n := range active {
		if n > 1 {
			c.DoubleBookings += n - 1
		}
	}
	return c
}

// lookup reads one appointment, retrying the server's refusals a few
// times: right after a flood it may still be shedding.
func lookup(ctx context.Context, client *http.Client, base string, b booking) verdict {
	u := fmt.Sprintf("%s/api/v1/appointments/%d?token=%s", base, b.ID, url.QueryEscape(b.Token))
	for attempt := 0; attempt < 6; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return verdict{err: err}
		}
		resp, err := client.Do(req)
		if err != nil {
			return verdict{err: fmt.Errorf("look up appointment %d: %w", b.ID, err)}
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close()
		if err != nil {
			return verdict{err: fmt.Errorf("read appointment %d: %w", b.ID, err)}
		}
		switch resp.StatusCode {
		case http.StatusOK:
			var a struct {
				Status string `json:"status"`
				Slot   struct {
					ID int64 `json:"id"`
				} `json:"slot"`
			}
			if err := json.Unmarshal(body, &a); err != nil {
				return verdict{err: fmt.Errorf("decode appointment %d: %w", b.ID, err)}
			}
			return verdict{found: true, active: a.Status != "cancelled", slotID: a.Slot.ID}
		case http.StatusNotFound:
			return verdict{}
		case http.StatusServiceUnavailable, http.StatusTooManyRequests:
			select {
			case <-time.After(time.Duration(100<<attempt) * time.Millisecond):
			case <-ctx.Done():
				return verdict{err: ctx.Err()}
			}
		default:
			return verdict{err: fmt.Errorf("look up appointment %d: status %d", b.ID, resp.StatusCode)}
		}
	}
	return verdict{err: fmt.Errorf("look up appointment %d: still refused", b.ID)}
}
