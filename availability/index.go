// Package availability keeps the in-memory index of bookable slots and
// answers earliest-near searches in microseconds. It is a cache of the
// store, never the authority: bookings commit in the store first and the
// index follows.
//
// Layout: per service, per clinic, a slice of compact entries sorted by
// (start, slot ID). Each entry carries what the filters need (local
// minute of day, local weekday, audience, practitioner languages) so that a
// search never converts a time. A search walks the clinics of a latitude
// band, rejects far ones with a bounding box and a chord test, and merges
// the nearby clinics' slices with a small heap. One RWMutex per service lets
// searches run side by side while bookings update the index.
package availability

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"rdv"
)

// Window is a stretch of the local day, in minutes after midnight:
// [StartMinute, EndMinute). It is rdv's: searches and the appointment
// requests matched against slots share its meaning (see rdv.ParseTimes).
type Window = rdv.Window

// The parts of the day that searches offer by name, in the page's form and
// in the API alike.
var (
	Morning   = rdv.Morning
	Afternoon = rdv.Afternoon
	Evening   = rdv.Evening
)

// Query asks for the earliest bookable slots near a point.
type Query struct {
	Lat, Lon        float64
	RadiusKm        float64
	Service         rdv.Service
	From, To        time.Time // slots starting in [From, To); a zero To has no end
	Weekdays        uint8     // bit (1 << time.Weekday) set for each day wanted; 0: any day
	Windows         []Window  // local start time in one of them; empty: any time
	Language        string    // practitioner speaks it; "": any
	Limit           int       // how many results at most
	PerClinic       int       // results per clinic at most; 0: no cap
	IncludeRostered bool      // also rostered-only slots
}

// Result is one bookable slot found by Search.
type Result struct {
	SlotID         int64
	Start, End     time.Time
	Service        rdv.Service
	ClinicID       int64
	PractitionerID int64
	DistanceKm     float64
}

// Index is safe for concurrent use.
//
// The slots change all the time; the clinics and practitioners change
// rarely (onboarding, see AddClinic) and are read by every search, so they
// live in an immutable directory that a change replaces whole.
type Index struct {
	dir  atomic.Pointer[directory]
	grow sync.Mutex // serializes the directory's writers

	services []serviceSlots // by rdv.ServiceIndex
	count    atomic.Int64
	scratch  sync.Pool // *scratch

	added atomic.Pointer[func(rdv.Slot)] // see WhenAdded

	changes atomic.Uint64 // see Changes
}

// directory is the network the index serves. A published directory never
// changes: adding a clinic or a practitioner publishes a copy, so searches
// read it without a lock. Positions never change either: entries and sites
// refer to clinics and practitioners by position, in every copy.
type directory struct {
	clinics   []rdv.Clinic // by position: ordered by ID at Build, then in the order added
	clinicPos map[int64]int32
	sites     []site // every clinic, by clinic position

	practs    []rdv.Practitioner // by position, like clinics
	practPos  map[int64]int32
	practLang []uint32 // per practitioner, its languages as bits of langBit

	langBit map[string]uint32 // the first 32 languages spoken get a bit
	// otherLangs are the languages beyond the 32 that have a bit: searches
	// for them check the practitioner itself.
	otherLangs map[string]bool
}

// serviceSlots holds one service's slots, per clinic. The padding keeps two
// services' locks off one cache line, so searches of one service do not
// slow down those of another on other cores.
type serviceSlots struct {
	mu       sync.RWMutex
	byClinic [][]entry // by clinic position, each sorted by (start, id)
	// sites are the clinics that offer the service or ever had a slot of
	// it, ordered by latitude: a search walks only these, a third of the
	// network for pediatrics.
	sites  []site
	listed []bool // by clinic position: in sites
	_      [64]byte
}

// list makes sure a clinic is among the service's sites. The caller holds
// the write lock or is building.
func (ss *serviceSlots) list(s site) {
	if ss.listed[s.clinic] {
		return
	}
	ss.listed[s.clinic] = true
	i, _ := slices.BinarySearchFunc(ss.sites, s, compareSites)
	ss.sites = slices.Insert(ss.sites, i, s)
}

func compareSites(a, b site) int {
	if c := cmpFloat(a.lat, b.lat); c != 0 {
		return c
	}
	return int(a.clinic - b.clinic)
}

// Build makes an index of the network's clinics and practitioners filled
// with the slots that scan yields.
func Build(clinics []rdv.Clinic, practitioners []rdv.Practitioner, scan func(fn func(rdv.Slot) error) error) (*Index, error) {
	ix, err := newIndex(clinics, practitioners)
	if err != nil {
		return nil, err
	}
	clock := &localClock{}
	d := ix.dir.Load()
	// Slots arrive in no particular order: append them all, then sort each
	// slice once.
	err = scan(func(s rdv.Slot) error {
		svc, ci, e, ok := d.encode(s, clock)
		if ok {
			list := &ix.services[svc].byClinic[ci]
			*list = append(*list, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("build availability index: scan slots: %w", err)
	}
	var n int64
	for svc := range ix.services {
		ss := &ix.services[svc]
		for ci, list := range ss.byClinic {
			slices.SortFunc(list, compareEntries)
			list = dedupe(list)
			ss.byClinic[ci] = slices.Clip(list)
			n += int64(len(list))
			if len(list) > 0 {
				ss.list(d.sites[ci])
			}
		}
	}
	ix.count.Store(n)
	return ix, nil
}

func newIndex(clinics []rdv.Clinic, practitioners []rdv.Practitioner) (*Index, error) {
	d := &directory{
		clinicPos:  make(map[int64]int32, len(clinics)),
		practPos:   make(map[int64]int32, len(practitioners)),
		langBit:    make(map[string]uint32),
		otherLangs: make(map[string]bool),
	}
	clinics = slices.SortedFunc(slices.Values(clinics), func(a, b rdv.Clinic) int { return cmpInt64(a.ID, b.ID) })
	for _, c := range clinics {
		if _, dup := d.clinicPos[c.ID]; dup {
			return nil, rdv.Errorf(rdv.EINVALID, "build availability index: clinic %d listed twice", c.ID)
		}
		d.addClinic(c)
	}
	practitioners = slices.SortedFunc(slices.Values(practitioners), func(a, b rdv.Practitioner) int { return cmpInt64(a.ID, b.ID) })
	for _, p := range practitioners {
		if _, dup := d.practPos[p.ID]; dup {
			return nil, rdv.Errorf(rdv.EINVALID, "build availability index: practitioner %d listed twice", p.ID)
		}
		d.addPractitioner(p)
	}
	ix := &Index{services: make([]serviceSlots, len(rdv.Services))}
	for i := range ix.services {
		ss := &ix.services[i]
		ss.byClinic = make([][]entry, len(d.clinics))
		ss.listed = make([]bool, len(d.clinics))
		for ci, c := range d.clinics {
			if c.Offers(rdv.Services[i]) {
				ss.list(d.sites[ci])
			}
		}
	}
	ix.dir.Store(d)
	ix.scratch.New = func() any { return new(scratch) }
	return ix, nil
}

// addClinic gives a clinic the next position. Only a directory not yet
// published may change.
func (d *directory) addClinic(c rdv.Clinic) int32 {
	ci := int32(len(d.clinics)) // #nosec G115 -- thousands of clinics, not 2^31
	d.clinics = append(d.clinics, c)
	d.clinicPos[c.ID] = ci
	d.sites = append(d.sites, newSite(c.Lat, c.Lon, ci))
	return ci
}

// addPractitioner gives a practitioner the next position, and its
// languages bits. Only a directory not yet published may change.
func (d *directory) addPractitioner(p rdv.Practitioner) {
	pi := int32(len(d.practs)) // #nosec G115 -- thousands of practitioners, not 2^31
	d.practs = append(d.practs, p)
	d.practPos[p.ID] = pi
	var bits uint32
	for _, lang := range p.Languages {
		bit, ok := d.langBit[lang]
		if !ok && !d.otherLangs[lang] {
			if len(d.langBit) < 32 {
				bit = 1 << len(d.langBit)
				d.langBit[lang] = bit
			} else {
				d.otherLangs[lang] = true
			}
		}
		bits |= bit
	}
	d.practLang = append(d.practLang, bits)
}

// clone copies a directory for a change; the copy shares no slice or map
// with the published one.
func (d *directory) clone() *directory {
	return &directory{
		clinics:    slices.Clone(d.clinics),
		clinicPos:  maps.Clone(d.clinicPos),
		sites:      slices.Clone(d.sites),
		practs:     slices.Clone(d.practs),
		practPos:   maps.Clone(d.practPos),
		practLang:  slices.Clone(d.practLang),
		langBit:    maps.Clone(d.langBit),
		otherLangs: maps.Clone(d.otherLangs),
	}
}

// Len returns how many bookable slots the index holds.
func (ix *Index) Len() int { return int(ix.count.Load()) }

// Clinic returns a clinic of the network by ID.
func (ix *Index) Clinic(id int64) (rdv.Clinic, bool) {
	d := ix.dir.Load()
	i, ok := d.clinicPos[id]
	if !ok {
		return rdv.Clinic{}, false
	}
	return d.clinics[i], true
}

// Clinics returns every clinic, ordered by ID. The slice is a copy.
func (ix *Index) Clinics() []rdv.Clinic {
	return slices.SortedFunc(slices.Values(ix.dir.Load().clinics), func(a, b rdv.Clinic) int { return cmpInt64(a.ID, b.ID) })
}

// Practitioner returns a practitioner of the network by ID.
func (ix *Index) Practitioner(id int64) (rdv.Practitioner, bool) {
	d := ix.dir.Load()
	i, ok := d.practPos[id]
	if !ok {
		return rdv.Practitioner{}, false
	}
	return d.practs[i], true
}

// Practitioners returns every practitioner, ordered by ID. The slice is a
// copy.
func (ix *Index) Practitioners() []rdv.Practitioner {
	return slices.SortedFunc(slices.Values(ix.dir.Load().practs), func(a, b rdv.Practitioner) int { return cmpInt64(a.ID, b.ID) })
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
