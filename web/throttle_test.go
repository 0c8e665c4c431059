package web

import (
	"testing"
	"time"
)

func TestThrottleReservesBeforeTheWork(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)
	th := newThrottle(3, time.Second, 8*time.Second)
	for i := range 3 {
		if w := th.reserve("k", t0); w != 0 {
			t.Fatalf("free attempt %d told to wait %s", i+1, w)
		}
	}
	if w := th.reserve("k", t0); w == 0 {
		t.Fatal("a fourth attempt in flight with three free ones was let through")
	}
	th.release("k")
	if w := th.reserve("k", t0); w != 0 {
		t.Fatalf("an attempt after one released waits %s", w)
	}
	for range 3 {
		th.fail("k", t0)
	}
	if w := th.reserve("k", t0); w != time.Second {
		t.Fatalf("after 3 failures the next waits %s, want 1s", w)
	}
	if w := th.reserve("k", t0.Add(time.Second)); w != 0 {
		t.Fatalf("after the delay, waits %s", w)
	}
	th.fail("k", t0.Add(time.Second))
	if w := th.reserve("k", t0.Add(2*time.Second)); w != time.Second {
		t.Fatalf("after the fourth failure the next waits %s, want 2s from the failure", w)
	}
	th.forgive("k")
	if w := th.reserve("k", t0.Add(2*time.Second)); w != 0 {
		t.Fatalf("a forgiven key waits %s", w)
	}
	if w := th.reserve("other", t0); w != 0 {
		t.Fatalf("another key waits %s", w)
	}
}
