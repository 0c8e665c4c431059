package match_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"rdv"
	"rdv/availability"
	"rdv/match"
	"rdv/sqlite"
)

// BenchmarkProposals measures matching on the embedded store: requests
// waiting (b.N + 10,000, of varied criteria, in the city) while nothing
// fits them, then a stream of b.N freed public slots told to the running
// matcher as the index tells it of cancellations; proposals/s is the
// proposals made over the time from the first slot freed to the last one
// settled (proposed, or fitting nobody waiting); proposals/cpu-s is per
// second of the process's CPU, the figure that holds on a shared, loaded
// machine. Every request has an email and one in three a phone, so a
// proposal queues one message or two. The database is a file with
// synchronous=FULL, as in BenchmarkDurableBookings. A round of proposals
// is one write (rdv.ProposalStore.ProposeAll): proposed/commit tells how
// many share a commit, writes/commit how many writes.
func BenchmarkProposals(b *testing.B) {
	now := time.Date(2031, time.March, 2, 17, 0, 0, 0, time.UTC)
	start := rdv.DateOf(now).AddDays(1)
	days := b.N/(citySlotsPerDay*cityGeneralPerDay/(cityGeneralPerDay+cityKeptPerDay)) + 1
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "rdv.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	n := cityNetwork(start, days)
	if err := s.LoadNetwork(b.Context(), n, nil); err != nil {
		b.Fatal(err)
	}
	var freed []rdv.Slot
	for sl := range n.Slots {
		if sl.Audience == rdv.Public {
			freed = append(freed, sl)
		}
	}
	rng := rand.New(rand.NewPCG(3, 5))
	rng.Shuffle(len(freed), func(i, j int) { freed[i], freed[j] = freed[j], freed[i] })
	freed = freed[:b.N]
	addRequests(b, s, rng, b.N+10_000, now, start.AddDays(days+1).Start(rdv.Toronto))

	// The index knows the network but no free slot: every request waits.
	index, err := availability.Build(n.Clinics, n.Practitioners, func(func(rdv.Slot) error) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	e := match.New(s, index, match.Config{Now: func() time.Time { return now }, SweepEvery: time.Hour}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { e.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()
	for e.Stats().Sweeps == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	before, writes := e.Stats(), s.Stats()

	b.ResetTimer()
	began, cpuBegan := time.Now(), cpuTime()
	// The stream: slots freed in chunks, never more than the matcher's
	// buffer ahead of it (a burst beyond it is the sweep's, another path).
	const chunk, ahead = 64, 2048
	for i := 0; i < len(freed); i += chunk {
		for int64(i)-(e.Stats().Offered-before.Offered) > ahead {
			time.Sleep(100 * time.Microsecond)
		}
		index.Apply(rdv.SlotChanges{Freed: freed[i:min(i+chunk, len(freed))]})
	}
	for e.Stats().Offered-before.Offered < int64(len(freed)) {
		time.Sleep(100 * time.Microsecond)
	}
	elapsed, cpu := time.Since(began), cpuTime()-cpuBegan
	b.StopTimer()
	after, written := e.Stats(), s.Stats()
	proposed := float64(after.Proposed - before.Proposed)
	b.ReportMetric(proposed/elapsed.Seconds(), "proposals/s")
	b.ReportMetric(proposed/cpu.Seconds(), "proposals/cpu-s")
	b.ReportMetric(proposed/float64(b.N), "proposed/freed")
	b.ReportMetric(float64(after.Refused-before.Refused)/float64(b.N), "refused/freed")
	if c := written.Commits - writes.Commits; c > 0 {
		b.ReportMetric(float64(written.Writes-writes.Writes)/float64(c), "writes/commit")
		b.ReportMetric(proposed/float64(c), "proposed/commit")
	}
}

// addRequests stores n general requests of the city, received a second
// apart before now, through concurrent writers; each has an email, one in
// three a phone too.
func addRequests(b *testing.B, s *sqlite.Store, rng *rand.Rand, n int, now, until time.Time) {
	rs := make([]rdv.AppointmentRequest, n)
	for i := range rs {
		r := cityRequest(rng, i, now.Add(time.Duration(i-n)*time.Second), until)
		if r.Child {
			r.Service, r.Scope, r.BirthDate = rdv.General, rdv.ScopeNetwork, rdv.Date{Year: 1980, Month: 1, Day: 1}
		}
		if i%3 != 0 {
			r.Phone = ""
		}
		rs[i] = r
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				if _, err := s.AddRequest(b.Context(), rs[i]); err != nil {
					b.Errorf("add request %d: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// cpuTime returns the CPU time the process has used: on a shared machine
// it tells the work done apart from the waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
