package faults

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"rdv"
	"rdv/fieldcrypt"
	"rdv/history"
	"rdv/postgres"
	"rdv/sqlite"
	"rdv/storetest"
)

// network is the fault runs' clinic network: four clinics around
// Montréal whose practitioners see general consultations, public, every
// ten minutes from 7:00 to 21:00, every day of a week from tomorrow on;
// as many practitioners as the run's bookings need. The patients' clients
// book any slot but those of the first practitioner of Laval, which a
// fault keeps for its own probes; the clients' appointment requests, from
// Montréal, 10 km around, fit every slot but Laval's, so that the matcher
// never takes a probe's slot.
type network struct {
	load   rdv.NetworkLoad
	slots  []int64 // the clients' slots, shuffled
	probes []int64 // the probes' slots
	span   history.Span
}

const (
	slotsPerDay = 84 // 7:00 to 21:00, ten minutes each
	networkDays = 7
)

func newNetwork(slots int) network {
	start := rdv.DateOf(time.Now()).AddDays(1)
	clinics := []rdv.Clinic{
		{ID: 1, Name: "Clinique du Plateau", Address: "1000 avenue du Mont-Royal Est", City: "Montréal", Lat: 45.5236, Lon: -73.5800},
		{ID: 2, Name: "Clinique Rosemont", Address: "2900 rue Masson", City: "Montréal", Lat: 45.5430, Lon: -73.5720},
		{ID: 3, Name: "Clinique Verdun", Address: "4000 rue Wellington", City: "Montréal", Lat: 45.4580, Lon: -73.5680},
		{ID: 4, Name: "Clinique Chomedey", Address: "3500 boulevard Chomedey", City: "Laval", Lat: 45.5570, Lon: -73.7460},
	}
	for i := range clinics {
		clinics[i].Phone, clinics[i].TimeZone = fmt.Sprintf("514-555-01%02d", i), "America/Toronto"
		clinics[i].Services, clinics[i].Languages = []rdv.Service{rdv.General}, []string{"fr", "en"}
	}
	var blocks []rdv.PlanBlock
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		blocks = append(blocks, rdv.PlanBlock{Weekday: wd, StartMinute: 7 * 60, EndMinute: 21 * 60, Service: rdv.General, SlotMinutes: 10, Audience: rdv.Public})
	}
	n := network{span: history.Span{From: start.Start(rdv.Toronto), To: start.AddDays(networkDays).Start(rdv.Toronto)}}
	var all []rdv.Slot
	count := max(4, (slots+slotsPerDay*networkDays-1)/(slotsPerDay*networkDays))
	for i := range count {
		p := rdv.Practitioner{ID: int64(i + 1), ClinicID: int64(i%len(clinics) + 1), Name: fmt.Sprintf("Dre Essai %d", i+1),
			Services: []rdv.Service{rdv.General}, Languages: []string{"fr", "en"}, AcceptsNew: true}
		plan := rdv.WorkingPlan{ID: p.ID, PractitionerID: p.ID, ClinicID: p.ClinicID, Blocks: blocks}
		n.load.Practitioners = append(n.load.Practitioners, p)
		n.load.Plans = append(n.load.Plans, plan)
		for _, s := range plan.Expand(start, start.AddDays(networkDays), rdv.Toronto) {
			s.ID = int64(len(all) + 1)
			all = append(all, s)
			if p.ClinicID == 4 && p.ID == 4 {
				n.probes = append(n.probes, s.ID)
			} else {
				n.slots = append(n.slots, s.ID)
			}
		}
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(n.slots), func(i, j int) { n.slots[i], n.slots[j] = n.slots[j], n.slots[i] }) // #nosec G404 -- an order, not a secret
	n.load.Clinics = clinics
	n.load.SlotCount = len(all)
	n.load.Slots = func(yield func(rdv.Slot, int64) bool) {
		for _, s := range all {
			if !yield(s, 0) {
				return
			}
		}
	}
	return n
}

// networkSlots is how many slots a run needs: its bookings, the slots
// two clients race for, those proposals hold, with room to spare.
func networkSlots() int {
	if n := targetBookings(); n > 0 {
		return 3 * n
	}
	return 8000
}

// platform is a database holding the fault network, its data keys, and
// what the checker needs to read it.
type platform struct {
	db      string // serve's --db
	keyFile string
	keys    *fieldcrypt.Keys
	net     network
	// open opens the database's store for the checker.
	open func(ctx context.Context) (rdv.Store, error)
}

// serveArgs are the flags that point rdv serve at the platform.
func (p *platform) serveArgs() []string { return []string{"--db", p.db, "--keys", p.keyFile} }

// newKeys writes a new set of data keys under dir, in a directory of
// their own (rdv serve refuses keys beside the database): patient data
// is sealed as production seals it.
func newKeys(t testing.TB, dir string) (string, *fieldcrypt.Keys) {
	t.Helper()
	text := fieldcrypt.Generate()
	keys, err := fieldcrypt.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "keys", "data.keys")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, keys
}

// sqlitePlatform makes an SQLite database in dir/db holding the network
// (its keys apart, in dir/keys).
func sqlitePlatform(t testing.TB, dir string) *platform {
	t.Helper()
	if err := os.Mkdir(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	p := &platform{db: filepath.Join(dir, "db", "rdv.db"), net: newNetwork(networkSlots())}
	p.keyFile, p.keys = newKeys(t, dir)
	p.open = func(ctx context.Context) (rdv.Store, error) {
		return sqlite.Open(ctx, p.db, sqlite.Options{Keys: p.keys})
	}
	p.load(t)
	return p
}

// postgresPlatform migrates the PostgreSQL database at url and loads the
// network into it; keys live in dir.
func postgresPlatform(t testing.TB, dir, url string) *platform {
	t.Helper()
	if err := postgres.Migrate(context.Background(), url); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	p := &platform{db: url, net: newNetwork(networkSlots())}
	p.keyFile, p.keys = newKeys(t, dir)
	p.open = func(ctx context.Context) (rdv.Store, error) {
		return postgres.Open(ctx, p.db, postgres.Options{MaxConns: 4, Keys: p.keys})
	}
	p.load(t)
	return p
}

func (p *platform) load(t testing.TB) {
	t.Helper()
	s, err := p.open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.MustLoad(t, s, p.net.load)
}
