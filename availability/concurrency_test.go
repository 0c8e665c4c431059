package availability

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"rdv"
)

// TestConcurrentSearchAndWrites runs searchers against writers that take
// and free slots; under -race it checks the locking, and every answer must
// stay well formed while the slots move.
func TestConcurrentSearchAndWrites(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(9, 9))
	n := randomNetwork(rng)
	for len(n.slots) < 500 {
		n.slots = append(n.slots, randomSlot(rng, n))
	}
	ix := mustBuild(t, n)
	start := ix.Len()

	const writers, searchers, rounds = 4, 4, 300
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each writer owns every writers-th slot, so the end state
			// is known: each slot it takes it frees again.
			for i := range rounds {
				s := n.slots[(w+i*writers)%len(n.slots)]
				ix.Apply(rdv.SlotChanges{Taken: []rdv.Slot{s}})
				ix.Add(s)
				ix.Remove(s)
				ix.Apply(rdv.SlotChanges{Freed: []rdv.Slot{s}})
			}
		}()
	}
	errs := make(chan string, searchers)
	for g := range searchers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			var dst []Result
			for range rounds {
				q := randomQuery(rng, n, []string{"fr", "en"})
				dst = ix.Search(q, dst[:0])
				if msg := checkWellFormed(q, dst); msg != "" {
					errs <- msg
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 20 {
			ix.PruneBefore(n.start) // nothing starts before: prunes nothing
			ix.Len()
		}
	}()
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	if ix.Len() != start {
		t.Fatalf("Len %d after balanced writes, want %d", ix.Len(), start)
	}
}

// checkWellFormed returns what is wrong with a search's answer, or "".
func checkWellFormed(q Query, rs []Result) string {
	if len(rs) > q.Limit {
		return "more results than the limit"
	}
	seen := map[int64]bool{}
	perClinic := map[int64]int{}
	for i, r := range rs {
		if seen[r.SlotID] {
			return "a slot twice"
		}
		seen[r.SlotID] = true
		perClinic[r.ClinicID]++
		if q.PerClinic > 0 && perClinic[r.ClinicID] > q.PerClinic {
			return "more results per clinic than asked"
		}
		if r.Start.Before(q.From) || !r.Start.Before(q.To) || r.DistanceKm > q.RadiusKm+1e-9 || r.Service != q.Service {
			return "a result outside the query"
		}
		if i > 0 {
			p := rs[i-1]
			if r.Start.Before(p.Start) || (r.Start.Equal(p.Start) && r.DistanceKm < p.DistanceKm) {
				return "results out of order"
			}
		}
		if r.End.Before(r.Start) || r.Start.Location() != time.UTC {
			return "a malformed result"
		}
	}
	return ""
}
