package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"rdv"
	"rdv/fieldcrypt"
	"rdv/sqlite"
)

// BenchmarkBulkPublishUnderFlood measures what aggregators polling the
// SMART Scheduling Links files cost booking, on the real `rdv serve` over
// the demo network (one week of slots, per-client limits off as in the
// flood tests, everything from one machine): booking goodput while a
// flood of searches runs open loop, without then with aggregators
// polling $bulk-publish and a clinic's slot file with If-None-Match,
// open loop at 1,000 polls/s. Bookings come open loop too, at bookRate
// (each a hold then its confirmation through the JSON API, from eight
// addresses): goodput is the bookings people asked for that were made,
// and a closed loop would measure instead the capacity left over, which
// any other work on a shared machine lowers. Rounds alternate the two,
// so that the machine's other load falls on both alike; it reports the
// bookings made per second and their median and p99 times with and
// without polls, the ratios (with / without), the polls answered 304
// per second, and the searches answered per second.
//
// Polls whose copy is current are answered before the site's middleware
// (fhir.Unchanged), as rdv serve mounts it.
//
//	go test -run '^$' -bench BulkPublishUnderFlood -benchtime 1x -v ./cmd/rdv
//
// At the default 1,000 searches/s the machine has room to spare; a flood
// that saturates it (-publish.searches 4000 on two cores, the generator
// included) shows what polls cost when every cycle counts.
func BenchmarkBulkPublishUnderFlood(b *testing.B) {
	const (
		phase     = 4 * time.Second
		pollRate  = 1000 // polls/s offered
		bookRate  = 500  // bookings/s offered
		addresses = 8    // booking clients' addresses
	)
	rounds, searchRate := *publishRounds, *publishSearches
	db := filepath.Join(b.TempDir(), "rdv.db")
	if code := NewMain().Exit(b.Context(), []string{"demo", "--db", db, "--weeks", "1"}); code != 0 {
		b.Fatalf("rdv demo: exit %d", code)
	}
	slots := bookableSlots(b, db)
	if need := rounds * 2 * int(phase.Seconds()) * bookRate; len(slots) < need {
		b.Fatalf("%d slots to book, want %d", len(slots), need)
	}
	_, base := startMain(b, "--db", db, "--client-limits=off", "--max-live-holds", "64", "--fhir-publish-every", "1h")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 10 * time.Second}
	tags := map[string]string{}
	for _, path := range []string{"/fhir/$bulk-publish", "/fhir/$bulk-publish/Slot-1.ndjson"} {
		// The files are built in the background after the start: 503
		// until then.
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
			res, err := client.Get(base + path)
			if err != nil || (res.StatusCode != http.StatusOK && time.Now().After(deadline)) {
				b.Fatalf("%s: %v %v", path, res, err)
			}
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				tags[path] = res.Header.Get("ETag")
				break
			}
		}
	}

	var next atomic.Int64 // the next slot of slots to book
	// Each booking client is a person of its own, from its own address,
	// as the live holds are capped per person.
	bookerClients := make([]*http.Client, addresses)
	for k := range bookerClients {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 1, byte(10+k))}}
		bookerClients[k] = &http.Client{Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 256}, Timeout: 10 * time.Second}
	}
	var refusedMu sync.Mutex
	refused := map[string]int{} // the refusals of a round, by step and status
	refuse := func(step string, status int) {
		refusedMu.Lock()
		defer refusedMu.Unlock()
		refused[fmt.Sprintf("%s %d", step, status)]++
	}
	// bookOne books the next slot; it reports whether it did, and how
	// long the hold and the confirmation took.
	bookOne := func(client *http.Client) (time.Duration, bool) {
		began := time.Now()
		i := next.Add(1) - 1
		var h struct {
			HoldID string `json:"hold_id"`
		}
		if status := sendJSON(client, base+"/api/v1/holds", map[string]int64{"slot_id": slots[i]}, &h); status != http.StatusCreated || h.HoldID == "" {
			refuse("hold", status)
			return 0, false
		}
		status := sendJSON(client, base+"/api/v1/appointments", map[string]any{"hold_id": h.HoldID, "patient": benchPatient(i)}, nil)
		if status != http.StatusCreated {
			refuse("booking", status)
			return 0, false
		}
		return time.Since(began), true
	}
	// book offers bookRate bookings/s for d, open loop, and returns the
	// times of those made.
	book := func(d time.Duration) []time.Duration {
		var mu sync.Mutex
		var times []time.Duration
		var wg sync.WaitGroup
		// The k-th booking is due at k/bookRate: a late loop catches up,
		// where a ticker would drop the ticks it missed and offer less.
		began := time.Now()
		for k := range int(d.Seconds() * bookRate) {
			time.Sleep(time.Until(began.Add(time.Duration(k) * time.Second / bookRate)))
			wg.Go(func() {
				if took, ok := bookOne(bookerClients[k%addresses]); ok {
					mu.Lock()
					times = append(times, took)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return times
	}
	searches := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: base + "/api/v1/slots?near=45.5017,-73.5673&service=general&radius_km=25&limit=20"})
	polls := vegeta.NewStaticTargeter(
		vegeta.Target{Method: "GET", URL: base + "/fhir/$bulk-publish", Header: http.Header{"If-None-Match": {tags["/fhir/$bulk-publish"]}}},
		// Aggregators take the files gzip-compressed.
		vegeta.Target{Method: "GET", URL: base + "/fhir/$bulk-publish/Slot-1.ndjson",
			Header: http.Header{"If-None-Match": {tags["/fhir/$bulk-publish/Slot-1.ndjson"]}, "Accept-Encoding": {"gzip"}}})
	// flood offers rate requests/s of t for d and counts the answers with
	// status want.
	flood := func(t vegeta.Targeter, rate int, d time.Duration, want int, got *atomic.Int64) {
		a := vegeta.NewAttacker(vegeta.Workers(32), vegeta.MaxWorkers(512), vegeta.Timeout(5*time.Second), vegeta.KeepAlive(true))
		for r := range a.Attack(t, vegeta.ConstantPacer{Freq: rate, Per: time.Second}, d, "") {
			if int(r.Code) == want {
				got.Add(1)
			}
		}
	}
	type result struct {
		bookings, searches, polls float64
		p50, p99                  time.Duration
	}
	run := func(withPolls bool) result {
		var searched, polled atomic.Int64
		var times []time.Duration
		var wg sync.WaitGroup
		wg.Go(func() { times = book(phase) })
		wg.Go(func() { flood(searches, searchRate, phase, http.StatusOK, &searched) })
		if withPolls {
			wg.Go(func() { flood(polls, pollRate, phase, http.StatusNotModified, &polled) })
		}
		wg.Wait()
		secs := phase.Seconds()
		r := result{bookings: float64(len(times)) / secs, searches: float64(searched.Load()) / secs, polls: float64(polled.Load()) / secs}
		if len(times) > 0 {
			slices.Sort(times)
			r.p50, r.p99 = times[len(times)/2], times[len(times)*99/100]
		}
		return r
	}
	b.ResetTimer()
	var without, with []result
	for round := range rounds {
		// Alternate which goes first.
		if round%2 == 0 {
			without, with = append(without, run(false)), append(with, run(true))
		} else {
			with, without = append(with, run(true)), append(without, run(false))
		}
		wo, w := without[round], with[round]
		b.Logf("round %d: bookings %.0f/s without polls (p50 %v, p99 %v), %.0f/s with (p50 %v, p99 %v): %.2f×; polls %.0f/s answered 304; searches %.0f/s and %.0f/s",
			round+1, wo.bookings, wo.p50, wo.p99, w.bookings, w.p50, w.p99, w.bookings/wo.bookings, w.polls, wo.searches, w.searches)
		if len(refused) > 0 {
			b.Logf("round %d: refused %v", round+1, refused)
			clear(refused)
		}
	}
	b.StopTimer()
	med := func(rs []result, f func(result) float64) float64 {
		xs := make([]float64, len(rs))
		for i, r := range rs {
			xs[i] = f(r)
		}
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	bookings := func(r result) float64 { return r.bookings }
	p99 := func(r result) float64 { return r.p99.Seconds() * 1000 }
	w, wo := med(with, bookings), med(without, bookings)
	b.ReportMetric(wo, "bookings/s-without")
	b.ReportMetric(w, "bookings/s-with")
	b.ReportMetric(w/wo, "ratio")
	b.ReportMetric(med(without, p99), "p99-ms-without")
	b.ReportMetric(med(with, p99), "p99-ms-with")
	b.ReportMetric(med(with, func(r result) float64 { return r.polls }), "polls/s")
	b.ReportMetric(med(with, func(r result) float64 { return r.searches }), "searches/s-with")
	b.ReportMetric(med(without, func(r result) float64 { return r.searches }), "searches/s-without")
}

var (
	publishRounds   = flag.Int("publish.rounds", 3, "BenchmarkBulkPublishUnderFlood: rounds, each with and without polls")
	publishSearches = flag.Int("publish.searches", 1000, "BenchmarkBulkPublishUnderFlood: searches/s offered")
)

// bookableSlots returns the public slots of the database that start
// tomorrow or later, in the store's order, but for pediatrics': those
// are for children, and benchPatient is an adult.
func bookableSlots(b *testing.B, db string) []int64 {
	b.Helper()
	keys, err := fieldcrypt.ReadFile(demoDataKeysPath(db))
	if err != nil {
		b.Fatal(err)
	}
	store, err := sqlite.Open(b.Context(), db, sqlite.Options{Keys: keys})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	now := time.Now()
	from := rdv.DateOf(now).AddDays(1).Start(rdv.Toronto)
	var ids []int64
	err = store.ScanBookable(b.Context(), from, now, func(s rdv.Slot) error {
		if s.Audience == rdv.Public && s.Service != rdv.Pediatrics {
			ids = append(ids, s.ID)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return ids
}

// benchPatient is the i-th synthetic patient: a valid health number
// whose birth date varies with i.
func benchPatient(i int64) map[string]string {
	birth := time.Date(1940, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(i%25000))
	return map[string]string{
		"first_name": "Camille", "last_name": "Bouchard", "birth_date": birth.Format("2006-01-02"),
		"health_number": fmt.Sprintf("%s%s%02d", rdv.HealthNumberLetters("Camille", "Bouchard"), birth.Format("060102"), i%100),
		"phone":         "514-555-0142", "language": "fr",
	}
}

// sendJSON sends body as JSON and decodes the answer into out (nil: read and
// dropped); it returns the status, 0 when no answer came.
func sendJSON(c *http.Client, url string, body, out any) int {
	b, _ := json.Marshal(body)
	res, err := c.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil {
		_ = json.Unmarshal(raw, out)
	}
	return res.StatusCode
}
