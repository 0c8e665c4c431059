// Package availability keeps the in-memory index of bookable slots and
// answers earliest-near searches in microseconds. It is a cache of the
// store, never the authority: bookings commit in the store first and the
// index follows.
package availability

import (
	"time"

	"rdv"
)

// Window is a stretch of the local day, in minutes after midnight:
// [StartMinute, EndMinute).
type Window struct{ StartMinute, EndMinute int }

// Query asks for the earliest bookable slots near a point.
type Query struct {
	Lat, Lon        float64
	RadiusKm        float64
	Service         rdv.Service
	From, To        time.Time // slots starting in [From, To)
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
type Index struct{}

// Build makes an index of the network's clinics and practitioners filled
// with the slots that scan yields.
func Build(clinics []rdv.Clinic, practitioners []rdv.Practitioner, scan func(fn func(rdv.Slot) error) error) (*Index, error) {
	panic("todo")
}

// Search appends to dst the earliest slots matching q, ordered by start time
// then distance, and returns it.
func (ix *Index) Search(q Query, dst []Result) []Result { panic("todo") }

// Apply brings the index in line with a committed write.
func (ix *Index) Apply(ch rdv.SlotChanges) { panic("todo") }

// Add makes a slot bookable in the index; adding it twice is harmless.
func (ix *Index) Add(s rdv.Slot) { panic("todo") }

// Remove takes a slot out of the index; removing an absent slot is harmless.
func (ix *Index) Remove(s rdv.Slot) { panic("todo") }

// PruneBefore drops slots that start before t.
func (ix *Index) PruneBefore(t time.Time) { panic("todo") }

// Len returns how many bookable slots the index holds.
func (ix *Index) Len() int { panic("todo") }

// Clinic returns a clinic of the network by ID.
func (ix *Index) Clinic(id int64) (rdv.Clinic, bool) { panic("todo") }

// Clinics returns every clinic, ordered by ID.
func (ix *Index) Clinics() []rdv.Clinic { panic("todo") }

// Practitioner returns a practitioner of the network by ID.
func (ix *Index) Practitioner(id int64) (rdv.Practitioner, bool) { panic("todo") }
