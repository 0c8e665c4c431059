package storetest

import (
	"fmt"
	"testing"
	"time"

	"rdv"
)

// runRequests is the conformance suite of rdv.RequestStore. open returns a
// fresh, empty, migrated store and registers its cleanup with t.
func runRequests(t *testing.T, open func(t *testing.T) rdv.Store) {
	requests := func(t *testing.T) rdv.RequestStore { return open(t) }
	t.Run("AddAndList", func(t *testing.T) { testAddAndListRequests(t, requests(t)) })
	t.Run("AddTwiceStoresOnce", func(t *testing.T) { testAddRequestTwice(t, requests(t)) })
	t.Run("ReferenceRequired", func(t *testing.T) { testRequestReferenceRequired(t, requests(t)) })
	t.Run("ReadOne", func(t *testing.T) { testReadRequest(t, requests(t)) })
	t.Run("Close", func(t *testing.T) { testCloseRequest(t, requests(t)) })
	t.Run("CloseRefused", func(t *testing.T) { testCloseRequestRefused(t, requests(t)) })
	t.Run("BookFor", func(t *testing.T) { testBookForRequest(t, newFixture(t, open)) })
	t.Run("BookForEndedBooksNothing", func(t *testing.T) { testBookForEndedRequest(t, newFixture(t, open)) })
}

// SampleRequest returns a valid request with reference ref, received at.
func SampleRequest(ref string, at time.Time) rdv.AppointmentRequest {
	return rdv.AppointmentRequest{
		Reference:    ref,
		FirstName:    "Émilie",
		LastName:     "Tremblay",
		BirthDate:    rdv.Date{Year: 1988, Month: time.April, Day: 12},
		HealthNumber: "TREE88541299",
		Phone:        "514-555-0199",
		Email:        "emilie@example.org",
		Language:     "fr",
		Service:      rdv.General,
		Place:        "Trois-Rivières",
		Lat:          46.343,
		Lon:          -72.543,
		RadiusKm:     25,
		Availability: "les matins de semaine",
		Urgent:       true,
		ReceivedAt:   at.UTC().Truncate(time.Millisecond),
	}
}

func testAddAndListRequests(t *testing.T, rs rdv.RequestStore) {
	ctx := t.Context()
	at := time.Date(2031, time.March, 3, 14, 0, 0, 0, time.UTC)
	var want []string
	// Added out of order: the list is by reception time, not by insertion.
	for i := 4; i >= 0; i-- {
		ref := fmt.Sprintf("D-%04d", i)
		got, err := rs.AddRequest(ctx, SampleRequest(ref, at.Add(time.Duration(i)*time.Minute)))
		if err != nil {
			t.Fatalf("add %s: %v", ref, err)
		}
		if got.ID == 0 || got.Status != rdv.RequestOpen || got.Reference != ref {
			t.Fatalf("add %s: got %+v, want an ID and status open", ref, got)
		}
	}
	for i := 0; i <= 4; i++ {
		want = append(want, fmt.Sprintf("D-%04d", i))
	}
	list, err := rs.Requests(ctx, "", 100)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(list) != len(want) {
		t.Fatalf("listed %d requests, want %d", len(list), len(want))
	}
	for i, r := range list {
		if r.Reference != want[i] {
			t.Fatalf("request %d is %s, want %s (oldest first)", i, r.Reference, want[i])
		}
	}
	first := list[0]
	sample := SampleRequest("D-0000", at)
	sample.ID, sample.Status, sample.Scope = first.ID, rdv.RequestOpen, rdv.ScopeNetwork
	if !first.ReceivedAt.Equal(sample.ReceivedAt) {
		t.Fatalf("received at %v, want %v", first.ReceivedAt, sample.ReceivedAt)
	}
	first.ReceivedAt = sample.ReceivedAt
	if first != sample {
		t.Fatalf("read back\n%+v\nwant\n%+v", first, sample)
	}
	if list, err := rs.Requests(ctx, rdv.RequestOpen, 2); err != nil || len(list) != 2 {
		t.Fatalf("open requests, limit 2: %d, %v", len(list), err)
	}
	if list, err := rs.Requests(ctx, rdv.RequestMatched, 100); err != nil || len(list) != 0 {
		t.Fatalf("matched requests: %d, %v; want none", len(list), err)
	}
}

func testAddRequestTwice(t *testing.T, rs rdv.RequestStore) {
	ctx := t.Context()
	at := time.Date(2031, time.March, 3, 14, 0, 0, 0, time.UTC)
	first, err := rs.AddRequest(ctx, SampleRequest("D-TWICE", at))
	if err != nil {
		t.Fatalf("add: %v", err)
	}
	again := SampleRequest("D-TWICE", at.Add(time.Hour))
	again.FirstName = "Autre"
	second, err := rs.AddRequest(ctx, again)
	if err != nil {
		t.Fatalf("add again: %v", err)
	}
	if second.ID != first.ID || second.FirstName != first.FirstName || !second.ReceivedAt.Equal(first.ReceivedAt) {
		t.Fatalf("adding the same reference again changed the request: %+v, want %+v", second, first)
	}
	list, err := rs.Requests(ctx, "", 100)
	if err != nil || len(list) != 1 {
		t.Fatalf("listed %d requests (%v), want 1", len(list), err)
	}
}

func testRequestReferenceRequired(t *testing.T, rs rdv.RequestStore) {
	_, err := rs.AddRequest(t.Context(), SampleRequest("", time.Now()))
	if rdv.ErrorCode(err) != rdv.EINVALID {
		t.Fatalf("add without reference: %v, want %s", err, rdv.EINVALID)
	}
}
