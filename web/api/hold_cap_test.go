package api

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"rdv"
	"rdv/booking"
)

// TestHoldCapKeysBrowserAndAddress: behind a trusted proxy, holds are
// capped per browser (the cookie the site's scripts send) at three, and
// per address at the ceiling; clients that send no browser id, which the
// API never asks for, have only their address's ceiling. Holds from
// different X-Forwarded-For addresses used to share the proxy's three.
func TestHoldCapKeysBrowserAndAddress(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	engine := booking.New(a.store, a.index, booking.Config{MaxLiveHolds: 3, MaxAddressHolds: 5, Now: a.clock.Now}, a.log)
	a.handler = New(Deps{Engine: engine, Index: a.index, Store: a.store, Log: a.log, TrustForwardedFor: true,
		Browser: func(r *http.Request) (string, bool) {
			c, err := r.Cookie("test_browser")
			if err != nil || c.Value == "forged" {
				return "", false
			}
			return c.Value, true
		}})
	var free []int64
	err := a.store.ScanBookable(context.Background(), testNow, testNow, func(s rdv.Slot) error {
		if s.Audience == rdv.Public && s.State == rdv.SlotFree {
			free = append(free, s.ID)
		}
		return nil
	})
	if err != nil || len(free) < 20 {
		t.Fatalf("%d free public slots (%v), want 20", len(free), err)
	}
	hold := func(xff, browser string) int {
		t.Helper()
		r := request{method: "POST", url: "/api/v1/holds", body: fmt.Sprintf(`{"slot_id": %d}`, free[0]),
			remote: "10.0.0.2:40000", headers: map[string]string{"X-Forwarded-For": xff}}
		free = free[1:]
		if browser != "" {
			r.headers["Cookie"] = "test_browser=" + browser
		}
		res, _ := a.do(r)
		return res.StatusCode
	}
	tests := []struct {
		what, xff, browser string
		want               []int
	}{
		{"a browser at one address", "203.0.113.1", "A", []int{201, 201, 201, 429}},
		{"a browser at another address", "203.0.113.2", "B", []int{201, 201, 201}},
		{"first browser behind a NAT", "198.51.100.7", "C", []int{201, 201, 201}},
		{"second browser behind the NAT, up to the ceiling", "198.51.100.7", "D", []int{201, 201, 429}},
		{"no browser id behind the NAT", "198.51.100.7", "", []int{429}},
		{"no browser id elsewhere: the ceiling alone", "192.0.2.44", "", []int{201, 201, 201, 201}},
		{"a forged browser id counts as none", "192.0.2.44", "forged", []int{201, 429}},
	}
	for _, tt := range tests {
		var got []int
		for range tt.want {
			got = append(got, hold(tt.xff, tt.browser))
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: %v, want %v", tt.what, got, tt.want)
		}
	}
}
