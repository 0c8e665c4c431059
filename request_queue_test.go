package rdv

import (
	"testing"
	"time"
)

func TestAgentsQueueOrder(t *testing.T) {
	now := time.Date(2031, time.March, 3, 15, 0, 0, 0, time.UTC)
	to := now.Add(7 * 24 * time.Hour)
	req := func(id int64, age time.Duration, urgent, child bool, status RequestStatus, to time.Time) AppointmentRequest {
		return AppointmentRequest{ID: id, ReceivedAt: now.Add(-age), Urgent: urgent, Child: child, Status: status, To: to}
	}
	rs := []AppointmentRequest{
		req(1, 5*time.Hour, false, false, RequestOpen, to),             // oldest, no priority
		req(2, 30*time.Minute, true, true, RequestOpen, to),            // urgent child, matcher's for now
		req(3, 2*time.Hour, true, true, RequestProposed, to),           // urgent child with a proposal: in hand
		req(4, 61*time.Minute, true, true, RequestOpen, to),            // urgent child past the hour
		req(5, 10*time.Minute, false, false, RequestOpen, time.Time{}), // filed without a range: agents' own
		req(6, 3*time.Hour, true, false, RequestOpen, to),              // urgent
		req(7, 4*time.Hour, false, true, RequestOpen, to),              // child
	}
	needs := map[int64]bool{4: true, 5: true}
	for _, r := range rs {
		if got := r.NeedsPerson(now); got != needs[r.ID] {
			t.Errorf("request %d: NeedsPerson %v", r.ID, got)
		}
	}
	SortForAgents(rs, now)
	want := []int64{4, 5, 3, 2, 6, 7, 1}
	for i, r := range rs {
		if r.ID != want[i] {
			var got []int64
			for _, r := range rs {
				got = append(got, r.ID)
			}
			t.Fatalf("order %v, want %v", got, want)
		}
	}
}
