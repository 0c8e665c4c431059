package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rdv"
	"rdv/notify/smtptest"
	"rdv/postgres"
	"rdv/postgres/pgtest"
	"rdv/sqlite"
	"rdv/storetest"
)

// The proposal latency benchmark's shape: cancellations at a steady rate,
// each freeing a slot that exactly one waiting request fits, while
// clients search and book as fast as the server lets them.
const (
	cancelsPerSecond = 20
	cancelSeconds    = 10
	cancels          = cancelsPerSecond * cancelSeconds
	// searchers and bookers are the clients of the background load, each
	// in a closed loop: enough to keep the server at its capacity (its
	// admission control refuses what it cannot take).
	searchers = 16
	bookers   = 32
	// bookable is how many slots the bookers may take: more than the
	// server books in the whole run.
	bookable = 80_000
)

// Where the load books (ten clinics of Montréal, 50 practitioners) and
// where the requests wait (one clinic of Québec, far from them).
var (
	loadPoint   = [2]float64{45.5, -73.6}
	targetPoint = [2]float64{46.8139, -71.2080}
)

// latencyNetwork is the benchmark's network from start on: bookable
// 15-minute slots around the clock at ten clinics of Montréal (IDs 1 to
// bookable), and at a clinic of Québec the cancels slots whose
// appointments are cancelled (IDs after), 15 minutes apart from 08:00 to
// 18:00, so that each has a time of day a request can name alone.
func latencyNetwork(start rdv.Date) (rdv.NetworkLoad, []rdv.Slot) {
	n := storetest.SmallNetwork(start)
	n.Clinics, n.Practitioners, n.Plans, n.Patients = nil, nil, nil, nil
	for c := range 10 {
		n.Clinics = append(n.Clinics, rdv.Clinic{ID: int64(c + 1), Name: fmt.Sprintf("Clinique %d", c+1), Address: "1 rue Principale",
			City: "Montréal", Phone: "514-555-0100", Lat: loadPoint[0], Lon: loadPoint[1], Services: []rdv.Service{rdv.General},
			Languages: []string{"fr"}, TimeZone: "America/Toronto"})
	}
	n.Clinics = append(n.Clinics, rdv.Clinic{ID: 11, Name: "Clinique de la Cité", Address: "2 rue Saint-Jean", City: "Québec",
		Phone: "418-555-0100", Lat: targetPoint[0], Lon: targetPoint[1], Services: []rdv.Service{rdv.General},
		Languages: []string{"fr"}, TimeZone: "America/Toronto"})
	for p := range 51 {
		n.Practitioners = append(n.Practitioners, rdv.Practitioner{ID: int64(p + 1), ClinicID: int64(min(p%10+1, 11)),
			Name: fmt.Sprintf("Dre %d", p+1), Services: []rdv.Service{rdv.General}, Languages: []string{"fr"}, AcceptsNew: true})
	}
	n.Practitioners[50].ClinicID = 11
	first := start.Start(rdv.Toronto)
	var targets []rdv.Slot
	for day := 0; len(targets) < cancels; day++ {
		for q := 0; q < 40 && len(targets) < cancels; q++ {
			t := start.AddDays(day).Start(rdv.Toronto).Add(8*time.Hour + time.Duration(q)*15*time.Minute)
			targets = append(targets, rdv.Slot{ID: int64(bookable + len(targets) + 1), ClinicID: 11, PractitionerID: 51,
				Service: rdv.General, Start: t, End: t.Add(15 * time.Minute), Audience: rdv.Public, State: rdv.SlotFree})
		}
	}
	n.SlotCount = bookable + len(targets)
	n.Slots = func(yield func(rdv.Slot, int64) bool) {
		for i := range bookable {
			prac := i % 50
			t := first.Add(time.Duration(i/50) * 15 * time.Minute)
			s := rdv.Slot{ID: int64(i + 1), ClinicID: int64(prac%10 + 1), PractitionerID: int64(prac + 1), Service: rdv.General,
				Start: t, End: t.Add(15 * time.Minute), Audience: rdv.Public, State: rdv.SlotFree}
			if !yield(s, 0) {
				return
			}
		}
		for _, s := range targets {
			if !yield(s, 0) {
				return
			}
		}
	}
	return n, targets
}

// latencyStart is the first day of the benchmark's slots: the day after
// tomorrow, so that every slot is bookable for the whole run.
func latencyStart() rdv.Date { return rdv.DateOf(time.Now()).AddDays(2) }

// BenchmarkProposalLatency measures, on the real server (startMain) with
// its mail going to a relay answering each step in 20 ms (as in notify's
// BenchmarkNotifyLatency), the time from a cancellation to the proposal's
// email accepted by the mail server: 20 cancellations a second for 10
// seconds, each freeing a slot that exactly one waiting request fits,
// while 16 clients search and 32 book (hold and confirm, each booking
// emailing its confirmation) over HTTP, each in a closed loop, as fast as
// the server takes them. The time runs from the moment the cancellation
// is sent, so it includes the cancellation's own wait in the server under
// load. It reports p50, p99 and the longest, and the load's searches and
// bookings per second. Target: p99 under 1 s. The clients run in the
// same process, on the same cores as the server. Run it with -benchtime
// 1x.
func BenchmarkProposalLatency(b *testing.B) {
	b.Run("SQLite", func(b *testing.B) {
		for range b.N {
			db, targets := latencySQLite(b)
			proposalLatency(b, db, targets)
		}
	})
	b.Run("PostgreSQL", func(b *testing.B) {
		for range b.N {
			db, targets := latencyPostgres(b)
			proposalLatency(b, db, targets)
		}
	})
}

// latencySQLite and latencyPostgres load the benchmark's network in a
// new database and return the server's --db and the slots that wait.
func latencySQLite(b *testing.B) ([]string, []rdv.Slot) {
	path := filepath.Join(b.TempDir(), "rdv.db")
	s, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	n, targets := latencyNetwork(latencyStart())
	storetest.MustLoad(b, s, n)
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	return []string{"--db", path}, targets
}

func latencyPostgres(b *testing.B) ([]string, []rdv.Slot) {
	url := pgtest.CreateDB(b)
	ctx := context.Background()
	if err := postgres.Migrate(ctx, url); err != nil {
		b.Fatal(err)
	}
	s, err := postgres.Open(ctx, url, postgres.Options{MaxConns: 8})
	if err != nil {
		b.Fatal(err)
	}
	n, targets := latencyNetwork(latencyStart())
	storetest.MustLoad(b, s, n)
	s.Close()
	return []string{"--db", url, "--pg-max-conns", "16"}, targets
}

// latencyClient is the benchmark's HTTP client: connections kept for
// every client of the load.
var latencyClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}

// postJSON sends a JSON body and decodes the JSON answer into out (nil: none),
// returning the status.
func postJSON(base, path string, body, out any) (int, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	res, err := latencyClient.Post(base+path, "application/json", bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if out == nil || res.StatusCode >= 300 {
		_, err = io.Copy(io.Discard, res.Body)
		return res.StatusCode, err
	}
	return res.StatusCode, json.NewDecoder(res.Body).Decode(out)
}

// patientJSON is a patient as the API takes it, reached at email ("":
// by phone only).
func patientJSON(p rdv.Patient, email string) map[string]any {
	m := map[string]any{"first_name": p.FirstName, "last_name": p.LastName, "birth_date": p.BirthDate.String(),
		"health_number": p.HealthNumber, "phone": p.Phone}
	if email != "" {
		m["email"] = email
	}
	return m
}

// booked is an appointment the benchmark cancels.
type booked struct {
	ID          int64  `json:"id"`
	CancelToken string `json:"cancel_token"`
}

// bookSlot holds and confirms a slot for patient i, emailed at email.
func bookSlot(base string, slot int64, i int, email string) (booked, int, error) {
	var h struct {
		HoldID string `json:"hold_id"`
	}
	if status, err := postJSON(base, "/api/v1/holds", map[string]any{"slot_id": slot}, &h); err != nil || status != 201 {
		return booked{}, status, err
	}
	var a booked
	for {
		status, err := postJSON(base, "/api/v1/appointments", map[string]any{"hold_id": h.HoldID,
			"patient": patientJSON(storetest.TestPatient(i), email)}, &a)
		if status != 503 || err != nil {
			return a, status, err
		}
		// Refused at capacity with the slot held: the person sends the
		// form again, soon, rather than leave the hold to run out.
		time.Sleep(20 * time.Millisecond)
	}
}

// load is the background load: searchers and bookers in closed loops
// until stop, counting what the server did and refused.
type load struct {
	base                       string
	next                       atomic.Int64 // the last slot a booker took
	searches, bookings, refuse atomic.Int64
	failed                     atomic.Value // the first unexpected answer
}

func (l *load) run(stop <-chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	// A refused client waits as Retry-After asks, a little.
	pause := func() { time.Sleep(20 * time.Millisecond) }
	for c := range searchers {
		wg.Go(func() {
			// Searches near the ten clinics, from different days, as
			// people ask.
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				from := latencyStart().AddDays((c + i) % 7).String()
				res, err := latencyClient.Get(fmt.Sprintf("%s/api/v1/slots?near=%f,%f&radius_km=25&service=general&limit=20&from=%s",
					l.base, loadPoint[0], loadPoint[1], from))
				if err != nil {
					l.failed.CompareAndSwap(nil, err.Error())
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				switch res.StatusCode {
				case 200:
					l.searches.Add(1)
				case 503, 429:
					l.refuse.Add(1)
					pause()
				default:
					l.failed.CompareAndSwap(nil, fmt.Sprintf("search: %d", res.StatusCode))
				}
			}
		})
	}
	for range bookers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				slot := l.next.Add(1)
				if slot > bookable {
					return
				}
				// Patients 1 to 20,000 (born from 1950 on, one a day), each
				// booking a few slots at most.
				i := int(slot%20000) + 1
				_, status, err := bookSlot(l.base, slot, i, fmt.Sprintf("b%d@example.org", slot))
				switch {
				case err != nil:
					l.failed.CompareAndSwap(nil, err.Error())
					return
				case status == 201:
					l.bookings.Add(1)
				case status == 503 || status == 429:
					l.refuse.Add(1)
					pause()
				default:
					l.failed.CompareAndSwap(nil, fmt.Sprintf("booking slot %d: %d", slot, status))
				}
			}
		})
	}
	return &wg
}

func proposalLatency(b *testing.B, db []string, targets []rdv.Slot) {
	mail := smtptest.Start(b)
	mail.SetDelay(remoteReply)
	// Every client of the load comes from one address without cookies:
	// no per-client limits, and the live holds it may have are the
	// bookers' (the cap of a client that keeps no cookies).
	args := append(db, "--smtp", mail.URL(), "--client-limits=off", "--max-live-holds", fmt.Sprint(2*bookers))
	_, base := startMain(b, args...)

	// The slots that will be freed, booked by patients reached by phone:
	// their confirmations and cancellations are no email.
	appts := make([]booked, len(targets))
	for i, s := range targets {
		a, status, err := bookSlot(base, s.ID, 20000+i, "")
		if err != nil || status != 201 {
			b.Fatalf("book slot %d: %d %v", s.ID, status, err)
		}
		appts[i] = a
	}
	// One request per slot, fitting it alone: its day, its quarter hour,
	// near its clinic; paid (the whole network), emailed at r<i>.
	refs := make([]string, len(targets))
	for i, s := range targets {
		local := s.Start.In(rdv.Toronto)
		var got struct{ Reference, Token string }
		status, err := postJSON(base, "/api/v1/requests", map[string]any{
			"patient": patientJSON(storetest.TestPatient(21000+i), fmt.Sprintf("r%d@example.org", i)),
			"service": "general", "lat": targetPoint[0], "lon": targetPoint[1], "radius_km": 5,
			"from": rdv.DateOf(s.Start).String(), "to": rdv.DateOf(s.Start).String(),
			"times":         local.Format("15:04") + "-" + s.End.In(rdv.Toronto).Format("15:04"),
			"payment_token": fmt.Sprintf("tok-bench-%d", i),
		}, &got)
		if err != nil || status != 201 {
			b.Fatalf("request %d: %d %v", i, status, err)
		}
		refs[i] = got.Reference + "?token=" + got.Token
	}
	// Every request stored (the spool replays them) and waiting.
	for i, ref := range refs {
		deadline := time.Now().Add(30 * time.Second)
		for {
			var got struct{ Status string }
			res, err := latencyClient.Get(base + "/api/v1/requests/" + ref)
			if err != nil {
				b.Fatal(err)
			}
			status := res.StatusCode
			if status == 200 {
				err = json.NewDecoder(res.Body).Decode(&got)
			}
			res.Body.Close()
			if status == 200 && err == nil && got.Status == "open" {
				break
			}
			if status == 200 && got.Status != "open" || time.Now().After(deadline) {
				b.Fatalf("request %d: %d %q, want it open", i, status, got.Status)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	l := &load{base: base}
	stop := make(chan struct{})
	wg := l.run(stop)
	defer func() { close(stop); wg.Wait() }()
	// The load reaches its pace (and River its steady state) first.
	time.Sleep(3 * time.Second)
	before := mail.Messages()
	searches, bookings, refused := l.searches.Load(), l.bookings.Load(), l.refuse.Load()
	began := time.Now()

	sent := make([]time.Time, len(appts))
	var cancelRefused atomic.Int64
	var cancelling sync.WaitGroup
	tick := time.NewTicker(time.Second / cancelsPerSecond)
	for i, a := range appts {
		<-tick.C
		cancelling.Go(func() {
			sent[i] = time.Now()
			for {
				status, err := postJSON(base, fmt.Sprintf("/api/v1/appointments/%d/cancel", a.ID), map[string]any{"token": a.CancelToken}, nil)
				if status == 503 && err == nil {
					// Refused at capacity: the person tries again, soon.
					cancelRefused.Add(1)
					time.Sleep(50 * time.Millisecond)
					continue
				}
				if err != nil || status != 200 {
					b.Errorf("cancel appointment %d: %d %v", a.ID, status, err)
				}
				return
			}
		})
	}
	tick.Stop()
	cancelling.Wait()

	// The proposals' emails, among the confirmations of the load.
	lat := make([]time.Duration, 0, len(appts))
	seen := map[int]bool{}
	deadline := time.Now().Add(2 * time.Minute)
	for len(seen) < len(appts) {
		if time.Now().After(deadline) {
			b.Fatalf("%d proposals' emails within 2 minutes, want %d", len(seen), len(appts))
		}
		time.Sleep(50 * time.Millisecond)
		for _, m := range mail.Messages()[len(before):] {
			var i int
			if _, err := fmt.Sscanf(m.To[0], "r%d@example.org", &i); err != nil || seen[i] {
				continue
			}
			if i < 0 || i >= len(appts) {
				b.Fatalf("email to %v", m.To)
			}
			seen[i] = true
			lat = append(lat, m.At.Sub(sent[i]))
		}
	}
	elapsed := time.Since(began).Seconds()
	if f := l.failed.Load(); f != nil {
		b.Fatalf("the load: %v", f)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Milliseconds()), "max-ms")
	b.ReportMetric(float64(l.searches.Load()-searches)/elapsed, "searches/s")
	b.ReportMetric(float64(l.bookings.Load()-bookings)/elapsed, "bookings/s")
	b.ReportMetric(float64(l.refuse.Load()-refused)/elapsed, "refused/s")
	b.ReportMetric(float64(cancelRefused.Load())/float64(len(appts)), "cancel-refusals/cancel")
}

// remoteReply is how long the benchmark's mail server takes to answer
// each step of a message: a relay a network away (notify's benchmarks'
// figure).
const remoteReply = 20 * time.Millisecond
