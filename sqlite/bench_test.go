package sqlite_test

import (
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/replica"
	"rdv/sqlite"
	"rdv/storetest"
)

// syntheticNetwork returns a network of nslots 15-minute slots shared by
// 50 practitioners of 10 clinics from start on, one slot in bookedEvery
// booked (none when 0).
func syntheticNetwork(start time.Time, nslots, bookedEvery int) rdv.NetworkLoad {
	n := storetest.SmallNetwork(rdv.DateOf(start))
	n.Clinics = nil
	for c := range 10 {
		n.Clinics = append(n.Clinics, rdv.Clinic{ID: int64(c + 1), Name: fmt.Sprintf("Clinique %d", c+1), City: "Montréal",
			Lat: 45.5, Lon: -73.6, Services: []rdv.Service{rdv.General}, Languages: []string{"fr"}, TimeZone: "America/Toronto"})
	}
	n.Practitioners = nil
	for p := range 50 {
		n.Practitioners = append(n.Practitioners, rdv.Practitioner{ID: int64(p + 1), ClinicID: int64(p%10 + 1),
			Name: fmt.Sprintf("Dr %d", p+1), Services: []rdv.Service{rdv.General}, Languages: []string{"fr"}, AcceptsNew: true})
	}
	n.Plans = nil
	n.Patients = nil
	for i := range 1000 {
		p := storetest.TestPatient(i)
		p.ID = int64(i + 1)
		n.Patients = append(n.Patients, p)
	}
	n.SlotCount = nslots
	n.Slots = func(yield func(rdv.Slot, int64) bool) {
		for i := range nslots {
			prac := i % 50
			t := start.Add(time.Duration(i/50) * 15 * time.Minute)
			s := rdv.Slot{ID: int64(i + 1), ClinicID: int64(prac%10 + 1), PractitionerID: int64(prac + 1), Service: rdv.General,
				Start: t, End: t.Add(15 * time.Minute), Audience: rdv.Public, State: rdv.SlotFree}
			var patient int64
			if bookedEvery > 0 && i%bookedEvery == 0 {
				patient = int64(i%1000 + 1)
			}
			if !yield(s, patient) {
				return
			}
		}
	}
	return n
}

// BenchmarkDurableBookings has 64 clients book distinct free slots (hold
// then confirm) on a file database with synchronous=FULL.
func BenchmarkDurableBookings(b *testing.B) { benchDurableBookings(b, false, false) }

// BenchmarkDurableBookingsByEmail is BenchmarkDurableBookings for patients
// who give an email, told by it (on: each booking also writes its
// confirmation to the outbox, in its own transaction) or
// not (off). The two compared are the outbox's cost on the booking path.
func BenchmarkDurableBookingsByEmail(b *testing.B) {
	b.Run("off", func(b *testing.B) { benchDurableBookings(b, true, false) })
	b.Run("on", func(b *testing.B) { benchDurableBookings(b, true, true) })
}

func benchDurableBookings(b *testing.B, withEmail, notified bool) {
	// As rdv serve runs: patient data sealed.
	keys, _ := storetest.NewKeys(b)
	s := MustOpen(b, sqlite.Options{Keys: keys})
	r := bookDurably(b, s, b.N, withEmail, notified)
	b.ReportMetric(float64(b.N)/r.wall.Seconds(), "bookings/s")
	b.ReportMetric(float64(b.N)/r.cpu.Seconds(), "bookings/cpu-s")
	if st := s.Stats(); st.Commits > 0 {
		b.ReportMetric(float64(st.Writes)/float64(st.Commits), "writes/commit")
	}
}

// BenchmarkOutboxCost measures the outbox's cost on the booking path as
// BenchmarkDurableBookingsByEmail does, but in pairs: each round books n
// slots with notifications off and n with them on, in alternating order,
// each on a fresh database, and the benchmark reports the median of the
// rounds' on/off ratios. Runs of one kind after the other compare a
// machine at two moments; pairs compare it at one. Run with
// -benchtime 1x; -outbox.rounds and -outbox.bookings size it.
func BenchmarkOutboxCost(b *testing.B) {
	var wall, cpu []float64
	for range b.N {
		for round := range *outboxRounds {
			var off, on durableRun
			if round%2 == 0 {
				off, on = bookFresh(b, false), bookFresh(b, true)
			} else {
				on, off = bookFresh(b, true), bookFresh(b, false)
			}
			wall = append(wall, off.wall.Seconds()/on.wall.Seconds())
			cpu = append(cpu, off.cpu.Seconds()/on.cpu.Seconds())
			b.Logf("round %d: on/off %.3f wall, %.3f cpu (off %.0f bookings/s, on %.0f)", round, wall[len(wall)-1], cpu[len(cpu)-1],
				float64(*outboxBookings)/off.wall.Seconds(), float64(*outboxBookings)/on.wall.Seconds())
		}
	}
	b.ReportMetric(median(wall), "on/off-wall")
	b.ReportMetric(median(cpu), "on/off-cpu")
}

var (
	outboxRounds   = flag.Int("outbox.rounds", 6, "rounds of BenchmarkOutboxCost")
	outboxBookings = flag.Int("outbox.bookings", 10000, "bookings of each kind in a round of BenchmarkOutboxCost")
)

// bookFresh books -outbox.bookings slots for patients with an email, told
// by it or not, on a fresh database it closes after.
func bookFresh(b *testing.B, notified bool) durableRun {
	b.StopTimer()
	defer b.StartTimer()
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "rdv.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.StartTimer()
	r := bookDurably(b, s, *outboxBookings, true, notified)
	b.StopTimer()
	return r
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// durableRun is the time a run of bookings took, on the clock and in CPU.
type durableRun struct{ wall, cpu time.Duration }

// bookDurably loads a network of n free slots (and a few spare) into s and
// has bookingClients clients book them, each a hold then its
// confirmation.
func bookDurably(b *testing.B, s *sqlite.Store, n int, withEmail, notified bool) durableRun {
	loadForBooking(b, s, n, bookingClients)
	return bookLoaded(b, s, n, bookingClients, withEmail, notified)
}

// bookingClients is how many clients book at once in bookDurably.
const bookingClients = 64

// bookingNow is the clock of the bookings of bookLoaded.
var bookingNow = time.Date(2031, 3, 3, 12, 0, 0, 0, time.UTC)

// loadForBooking loads the network that bookLoaded's clients book n
// slots of.
func loadForBooking(b *testing.B, s *sqlite.Store, n, clients int) {
	b.StopTimer()
	storetest.MustLoad(b, s, syntheticNetwork(bookingNow.Add(24*time.Hour), n+clients, 0))
}

// bookLoaded has clients clients book the first n slots that
// loadForBooking loaded, each a hold then its confirmation.
func bookLoaded(b *testing.B, s *sqlite.Store, n, clients int, withEmail, notified bool) durableRun {
	now := bookingNow
	b.StopTimer()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.StartTimer()
	began, cpuBegan := time.Now(), cpuTime()
	for c := range clients {
		wg.Go(func() {
			for {
				id := next.Add(1)
				if id > int64(n) {
					return
				}
				h, _, err := s.PlaceHold(b.Context(), rdv.HoldRequest{HoldID: fmt.Sprintf("h%d", id), SlotID: id,
					ClientKey: fmt.Sprintf("c%d", c), MaxLiveHolds: 3, TTL: 5 * time.Minute, Now: now})
				if err == nil {
					token := fmt.Sprintf("t%d", id)
					r := rdv.ConfirmRequest{HoldID: h.ID, Patient: storetest.TestPatient(int(id % 30000)),
						BookedBy: rdv.BySelf, Channel: rdv.API, CancelToken: token, CancelTokenHash: auth.HashToken(token), Now: now}
					if withEmail {
						r.Patient.Email = fmt.Sprintf("patient%d@example.org", id)
					}
					if notified {
						r.Notify, r.RemindBefore = rdv.Notify{Email: true}, 24*time.Hour
					}
					_, _, err = s.ConfirmHold(b.Context(), r)
				}
				if err != nil {
					b.Errorf("book slot %d: %v", id, err)
					return
				}
			}
		})
	}
	wg.Wait()
	r := durableRun{wall: time.Since(began), cpu: cpuTime() - cpuBegan}
	b.StopTimer()
	return r
}

// BenchmarkLoadNetwork loads 300,000 slots, one in three booked, into a
// fresh database and reports the rows (slots and appointments) written per
// second.
func BenchmarkLoadNetwork(b *testing.B) {
	const nslots, bookedEvery = 300_000, 3
	start := time.Date(2031, 3, 3, 12, 0, 0, 0, time.UTC)
	rows := nslots + nslots/bookedEvery
	var total, cpu time.Duration
	for i := range b.N {
		b.StopTimer()
		s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), fmt.Sprintf("load%d.db", i)), sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := syntheticNetwork(start, nslots, bookedEvery)
		b.StartTimer()
		began, cpuBegan := time.Now(), cpuTime()
		if err := s.LoadNetwork(b.Context(), n, nil); err != nil {
			b.Fatal(err)
		}
		total += time.Since(began)
		cpu += cpuTime() - cpuBegan
		b.StopTimer()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/total.Seconds(), "rows/s")
	b.ReportMetric(float64(rows*b.N)/cpu.Seconds(), "rows/cpu-s")
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

// BenchmarkScanBookable reads every bookable slot of a 300,000-slot
// network, as the availability index does when rdv starts.
func BenchmarkScanBookable(b *testing.B) {
	const nslots = 300_000
	start := time.Date(2031, 3, 3, 12, 0, 0, 0, time.UTC)
	s := MustOpen(b, sqlite.Options{})
	storetest.MustLoad(b, s, syntheticNetwork(start, nslots, 3))
	b.ResetTimer()
	rows := 0
	cpuBegan := cpuTime()
	for range b.N {
		err := s.ScanBookable(b.Context(), start, start, func(rdv.Slot) error { rows++; return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "slots/s")
	b.ReportMetric(float64(rows)/(cpuTime()-cpuBegan).Seconds(), "slots/cpu-s")
}

// BenchmarkReplicaWait measures what rdv serve --replica costs durable
// bookings, and what --replica-wait adds to it: each round books
// -replica.bookings slots three ways, in rotating order, each on a fresh
// database: with no replica; copied every second (Litestream, as
// replica.Start runs it); and copied before each write is acknowledged
// (Store.AfterCommit with replica.Replicator.Copied), by 512 clients, so
// that a write's wait for the copy does not bound the rate. It reports the
// medians of the rounds' ratios, in bookings per second and per
// CPU-second, and the replica's files made per second of waiting
// bookings. Run with -benchtime 1x.
//
//	go test -run '^$' -bench ReplicaWait -benchtime 1x -v ./sqlite
func BenchmarkReplicaWait(b *testing.B) {
	const none, copied, waited = 0, 1, 2
	names := []string{"none", "copied every second", "waited for"}
	var runs [3][]durableRun
	var files []float64
	for range b.N {
		for round := range *replicaRounds {
			for k := range 3 {
				mode := (round + k) % 3
				b.StopTimer()
				dir := b.TempDir()
				s, err := sqlite.Open(b.Context(), filepath.Join(dir, "rdv.db"), sqlite.Options{})
				if err != nil {
					b.Fatal(err)
				}
				loadForBooking(b, s, *replicaBookings, replicaClients)
				vault := filepath.Join(b.TempDir(), "replica")
				var r *replica.Replicator
				if mode != none {
					if r, err = replica.Start(b.Context(), filepath.Join(dir, "rdv.db"), vault, slog.New(slog.DiscardHandler)); err != nil {
						b.Fatal(err)
					}
					if mode == waited {
						s.AfterCommit(r.Copied)
					}
				}
				run := bookLoaded(b, s, *replicaBookings, replicaClients, false, false)
				runs[mode] = append(runs[mode], run)
				if mode == waited {
					files = append(files, float64(countFiles(b, vault))/run.wall.Seconds())
				}
				b.Logf("round %d, %s: %.0f bookings/s, %.0f per CPU-second", round, names[mode],
					float64(*replicaBookings)/run.wall.Seconds(), float64(*replicaBookings)/run.cpu.Seconds())
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
				if r != nil {
					if err := r.Close(b.Context()); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	}
	ratio := func(num, den int, cpu bool) float64 {
		var rs []float64
		for i := range runs[num] {
			a, d := runs[num][i].wall, runs[den][i].wall
			if cpu {
				a, d = runs[num][i].cpu, runs[den][i].cpu
			}
			rs = append(rs, d.Seconds()/a.Seconds())
		}
		return median(rs)
	}
	b.ReportMetric(ratio(copied, none, false), "copied/none-wall")
	b.ReportMetric(ratio(copied, none, true), "copied/none-cpu")
	b.ReportMetric(ratio(waited, copied, false), "waited/copied-wall")
	b.ReportMetric(ratio(waited, copied, true), "waited/copied-cpu")
	b.ReportMetric(median(files), "files/s-waited")
}

// replicaClients book at once in BenchmarkReplicaWait.
const replicaClients = 512

var (
	replicaRounds   = flag.Int("replica.rounds", 4, "rounds of BenchmarkReplicaWait")
	replicaBookings = flag.Int("replica.bookings", 10000, "bookings of each kind in a round of BenchmarkReplicaWait")
)

// countFiles counts the files under dir.
func countFiles(b *testing.B, dir string) int {
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}
