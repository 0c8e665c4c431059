package notify

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"rdv"
	"rdv/availability"
	"rdv/booking"
	"rdv/notify/smtptest"
	"rdv/storetest"
)

// benchNetwork returns a network of nslots 15-minute slots shared by 50
// practitioners of 10 clinics, from three days from now on: every booking
// of it gets a reminder a day before, as bookings do.
func benchNetwork(nslots int) rdv.NetworkLoad {
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	n := storetest.SmallNetwork(rdv.DateOf(start))
	n.Clinics, n.Practitioners, n.Plans, n.Patients = nil, nil, nil, nil
	for c := range 10 {
		n.Clinics = append(n.Clinics, rdv.Clinic{ID: int64(c + 1), Name: fmt.Sprintf("Clinique %d", c+1), City: "Montréal",
			Phone: "514-555-0100", Lat: 45.5, Lon: -73.6, Services: []rdv.Service{rdv.General}, Languages: []string{"fr"}, TimeZone: "America/Toronto"})
	}
	for p := range 50 {
		n.Practitioners = append(n.Practitioners, rdv.Practitioner{ID: int64(p + 1), ClinicID: int64(p%10 + 1),
			Name: fmt.Sprintf("Dre %d", p+1), Services: []rdv.Service{rdv.General}, Languages: []string{"fr"}, AcceptsNew: true})
	}
	n.SlotCount = nslots
	n.Slots = func(yield func(rdv.Slot, int64) bool) {
		for i := range nslots {
			prac := i % 50
			t := start.Add(time.Duration(i/50) * 15 * time.Minute)
			s := rdv.Slot{ID: int64(i + 1), ClinicID: int64(prac%10 + 1), PractitionerID: int64(prac + 1), Service: rdv.General,
				Start: t, End: t.Add(15 * time.Minute), Audience: rdv.Public, State: rdv.SlotFree}
			if !yield(s, 0) {
				return
			}
		}
	}
	return n
}

// bookingBench is a store loaded with a bench network, its index and a
// booking engine, and with notifications on, a notifier sending to a
// mail server.
type bookingBench struct {
	d      *deliveryDB
	engine *booking.Engine
	notify bool
	mail   *smtptest.Server
	seq    atomic.Int64
}

// newBookingBench loads d; notify writes each booking's messages, send
// delivers them meanwhile.
func newBookingBench(b *testing.B, d *deliveryDB, nslots int, notify, send bool) *bookingBench {
	b.Helper()
	ctx := context.Background()
	storetest.MustLoad(b, d.store, benchNetwork(nslots))
	clinics, err := d.store.Clinics(ctx)
	if err != nil {
		b.Fatal(err)
	}
	practitioners, err := d.store.Practitioners(ctx)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	ix, err := availability.Build(clinics, practitioners, func(fn func(rdv.Slot) error) error {
		return d.store.ScanBookable(ctx, now, now, fn)
	})
	if err != nil {
		b.Fatal(err)
	}
	cfg := booking.Config{MaxLiveHolds: 3, MaxAddressHolds: -1}
	if !notify {
		cfg.RemindBefore = -1
	}
	bb := &bookingBench{d: d, engine: booking.New(d.store, ix, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))), notify: notify}
	if send {
		bb.mail = smtptest.Start(b)
		run(b, openDelivery(b, d, Config{Senders: emailTo(b, bb.mail)}))
		// River's start (leadership, its queue's record) is no part of
		// the steady state measured.
		time.Sleep(time.Second)
	}
	return bb
}

// book holds and confirms slot for a new patient, email to to when
// notifications are on.
func (bb *bookingBench) book(ctx context.Context, slot int64, to string) error {
	i := bb.seq.Add(1)
	h, err := bb.engine.HoldFor(ctx, booking.HoldInput{SlotID: slot, ClientKey: fmt.Sprintf("c%d", i)}, nil)
	if err != nil {
		return fmt.Errorf("hold slot %d: %w", slot, err)
	}
	p := storetest.TestPatient(int(i % 30000))
	// The patient gives an email either way: what differs is only
	// whether the booking asks to be told by it.
	p.Email = to
	in := booking.ConfirmInput{HoldID: h.ID, Patient: p, Notify: &rdv.Notify{Email: bb.notify}}
	if _, err := bb.engine.Confirm(ctx, in, nil); err != nil {
		return fmt.Errorf("confirm slot %d: %w", slot, err)
	}
	return nil
}

// rate books n slots with clients booking at once and returns the
// bookings per second, of the wall clock and of the process's CPU time
// (which a loaded machine disturbs less).
func (bb *bookingBench) rate(b *testing.B, n, clients int) (wall, cpu float64) {
	b.Helper()
	cpuBegan := cpuTime()
	var next atomic.Int64
	var wg sync.WaitGroup
	began := time.Now()
	for range clients {
		wg.Go(func() {
			for {
				id := next.Add(1)
				if id > int64(n) {
					return
				}
				if err := bb.book(b.Context(), id, fmt.Sprintf("p%d@example.org", id)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return float64(n) / time.Since(began).Seconds(), float64(n) / (cpuTime() - cpuBegan).Seconds()
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// remoteReply is how long the benchmarks' mail server takes to answer
// each step of a message (EHLO, MAIL, RCPT, the data): a relay a network
// away, rather than one in the same process answering at once.
const remoteReply = 20 * time.Millisecond

// BenchmarkNotifyBookings measures bookings per second on SQLite through
// the booking engine, in rounds of the same run, each on a fresh
// database: with notifications off; with their messages written (an
// email confirmation in each booking's transaction, the outbox; its
// reminder is written when it is delivered) but not delivered; with the
// outbox delivered meanwhile to a mail server a network away; and to one
// in the same process, which answers at once, so that delivery runs as
// fast as the database lets it, competing with the bookings for the one
// writer (and held back while the writer is saturated: holdBack). The
// outbox must cost the booking path at most 10 %: on/off >= 0.90, the
// median of the rounds' ratios, each taken within its round. Once, it
// reports how long after the burst the last confirmation reached the
// server. Run it with -benchtime 1x (each iteration is the whole
// comparison).
func BenchmarkNotifyBookings(b *testing.B) {
	const bookings, clients, rounds = 8000, 64, 5
	modes := []struct {
		name         string
		notify, send bool
		reply        time.Duration
	}{
		{"off", false, false, 0},
		{"outbox", true, false, 0},
		{"on", true, true, remoteReply},
		{"on-local", true, true, 0},
	}
	for range b.N {
		rates, cpuRates := make([][]float64, len(modes)), make([][]float64, len(modes))
		for round := range rounds {
			// Each round runs every mode, starting from another each
			// time, and each mode is compared with off in its round: a
			// shared machine's drift falls on both sides of a ratio.
			for k := range modes {
				i := (round + k) % len(modes)
				m := modes[i]
				bb := newBookingBench(b, openSQLiteDelivery(b), bookings+clients, m.notify, m.send)
				if m.send {
					bb.mail.SetDelay(m.reply)
				}
				wall, cpu := bb.rate(b, bookings, clients)
				rates[i], cpuRates[i] = append(rates[i], wall), append(cpuRates[i], cpu)
				if m.send && round == 0 {
					// Once: every confirmation reaches the server, the
					// last how long after the burst (delivery held back
					// while it lasted, up to holdBack).
					began := time.Now()
					bb.mail.Wait(b, bookings, 3*time.Minute)
					b.ReportMetric(time.Since(began).Seconds(), m.name+"-delivered-after-s")
				}
			}
		}
		for i, m := range modes {
			b.Logf("%s: %.0f bookings/s, %.0f bookings/cpu-s by round", m.name, rates[i], cpuRates[i])
			b.ReportMetric(median(rates[i]), m.name+"-bookings/s")
			if i == 0 {
				continue
			}
			ratios, cpuRatios := make([]float64, rounds), make([]float64, rounds)
			for r := range rounds {
				ratios[r], cpuRatios[r] = rates[i][r]/rates[0][r], cpuRates[i][r]/cpuRates[0][r]
			}
			b.Logf("%s/off by round: %.3f, in CPU %.3f", m.name, ratios, cpuRatios)
			b.ReportMetric(median(ratios), m.name+"/off")
			b.ReportMetric(median(cpuRatios), m.name+"/off-cpu")
		}
	}
}

// median returns the median of xs, which it leaves in their order.
func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchmarkNotifyLatency books 100 times a second for 10 seconds (open
// loop) with notifications on, and measures the time from each booking's
// commit to its confirmation accepted by a real mail server a network
// away (remoteReply): p50, p99 and the longest. Target: p99 under 2 s. Run it with -benchtime 1x.
func BenchmarkNotifyLatency(b *testing.B) {
	b.Run("SQLite", func(b *testing.B) {
		for range b.N {
			notifyLatency(b, openSQLiteDelivery(b))
		}
	})
	b.Run("PostgreSQL", func(b *testing.B) {
		for range b.N {
			notifyLatency(b, openPostgresDelivery(b))
		}
	})
}

func notifyLatency(b *testing.B, d *deliveryDB) {
	const perSecond, seconds = 100, 10
	const total = perSecond * seconds
	bb := newBookingBench(b, d, total+100, true, true)
	bb.mail.SetDelay(remoteReply)
	committed := make([]time.Time, total+1) // by booking, from 1
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / perSecond)
	for i := 1; i <= total; i++ {
		<-tick.C
		wg.Go(func() {
			if err := bb.book(b.Context(), int64(i), fmt.Sprintf("p%d@example.org", i)); err != nil {
				b.Error(err)
				return
			}
			committed[i] = time.Now()
		})
	}
	tick.Stop()
	wg.Wait()
	got := bb.mail.Wait(b, total, time.Minute)
	lat := make([]time.Duration, 0, total)
	for _, r := range got {
		var i int
		if _, err := fmt.Sscanf(r.To[0], "p%d@example.org", &i); err != nil || i < 1 || i > total {
			b.Fatalf("email to %v", r.To)
		}
		lat = append(lat, r.At.Sub(committed[i]))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Milliseconds()), "max-ms")
}
