// Package demo builds the demo network: 378 clinics in the 157 most
// populous places of Québec, their practitioners and weekly plans, a pool
// of synthetic patients, and eight weeks of slots with a realistic
// occupancy. Everything is fictional and follows from a seed, so that a
// seed and a start date always give the same network.
package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"rdv"
	"rdv/places"
)

// Options says which network to build.
type Options struct {
	Seed     int64    // same seed and start, same network
	Start    rdv.Date // first day of slots
	Weeks    int      // weeks of slots; 0 means 8
	Patients int      // size of the patient pool; 0 means 20,000
}

// Defaults of Options.
const (
	DefaultWeeks    = 8
	DefaultPatients = 20_000
)

func (o *Options) check() error {
	if o.Weeks == 0 {
		o.Weeks = DefaultWeeks
	}
	if o.Patients == 0 {
		o.Patients = DefaultPatients
	}
	switch {
	case o.Start == rdv.Date{}:
		return rdv.FieldError("start", "start date missing")
	case o.Start.AddDays(0) != o.Start:
		return rdv.FieldError("start", "%s is not a calendar day", o.Start)
	case o.Weeks < 1 || o.Weeks > 104:
		return rdv.FieldError("weeks", "weeks %d out of 1..104", o.Weeks)
	case o.Patients < 1 || o.Patients > 10_000_000:
		return rdv.FieldError("patients", "patients %d out of 1..10,000,000", o.Patients)
	}
	return nil
}

// Random streams: the network and the slots draw from separate streams so
// that the occupancy of a plan's slots depends only on the seed and the
// plan, never on how far another plan's slots were read.
const (
	streamNetwork = 0x6e6574776f726b // "network"
	streamSlots   = 0x736c6f7473     // "slots"
)

// Build returns the whole demo network with its IDs assigned: clinics
// 1..378, practitioners and plans from 1 (one plan per practitioner, with
// the practitioner's ID), patients from 1, and slots numbered from 1 in the
// order Slots yields them. Slots makes the slots plan by plan as they are
// read, so the network's million slots are never all in memory; reading
// it twice yields the same slots. SlotCount is exact.
func Build(opts Options) (rdv.NetworkLoad, error) {
	n, err := build(opts, places.All())
	if err != nil {
		return rdv.NetworkLoad{}, err
	}
	return n.load, nil
}

// network is a built network with what the tests check it against.
type network struct {
	load     rdv.NetworkLoad
	opts     Options
	from, to rdv.Date
	places   []places.Place // the place of each clinic, by clinic index
	pool     pool
}

func build(opts Options, all []places.Place) (*network, error) {
	if err := opts.check(); err != nil {
		return nil, fmt.Errorf("demo network: %w", err)
	}
	cities, err := chooseCities(all)
	if err != nil {
		return nil, fmt.Errorf("demo network: %w", err)
	}
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), streamNetwork)) // #nosec G404 G115 -- the demo is made from a seed so that it is the same every run; the seed's bits taken as they are
	n := &network{opts: opts, from: opts.Start, to: opts.Start.AddDays(7 * opts.Weeks)}
	holidays := holidaysBetween(n.from, n.to)
	namer := &clinicNamer{used: make(map[string]bool, ClinicCount)}
	load := &n.load
	for ci := range cities {
		c := &cities[ci]
		for range c.clinics {
			clinic := newClinic(rng, int64(len(load.Clinics)+1), c, namer)
			staff := staffClinic(rng, clinic, c.place.Population, int64(len(load.Practitioners)+1))
			for i := range staff {
				plan := planFor(rng, staff[i].ID, staff[i], n.from, n.to, holidays)
				staff[i].Services = planServices(plan)
				load.Plans = append(load.Plans, plan)
			}
			clinic.Services = staffServices(staff)
			load.Clinics = append(load.Clinics, clinic)
			load.Practitioners = append(load.Practitioners, staff...)
			n.places = append(n.places, c.place)
		}
	}
	n.pool = makePatients(rng, opts.Patients, opts.Start, cities)
	load.Patients = n.pool.patients
	for _, p := range load.Plans {
		load.SlotCount += countSlots(p, n.from, n.to, rdv.Toronto)
	}
	load.Slots = n.slots
	return n, nil
}

// planServices lists the services a plan has blocks for, in the order of
// rdv.Services: what the practitioner is seen to do.
func planServices(p rdv.WorkingPlan) []rdv.Service {
	var out []rdv.Service
	for _, s := range rdv.Services {
		if slices.ContainsFunc(p.Blocks, func(b rdv.PlanBlock) bool { return b.Service == s }) {
			out = append(out, s)
		}
	}
	return out
}

// staffServices lists what a clinic offers: the services its practitioners
// have time for.
func staffServices(staff []rdv.Practitioner) []rdv.Service {
	var out []rdv.Service
	for _, s := range rdv.Services {
		if slices.ContainsFunc(staff, func(p rdv.Practitioner) bool { return slices.Contains(p.Services, s) }) {
			out = append(out, s)
		}
	}
	return out
}

// Occupancy of the network: nearly full in the first days, emptier the
// further ahead, as in a real clinic. Same-day slots are booked on the day.
const (
	bookedFirst  = 0.90  // share booked on the first day
	bookedLast   = 0.17  // share booked on the last day
	blockedShare = 0.015 // slots a clinic blocked (meetings, a broken room)
	urgentDays   = 2     // days ahead that same-day slots are already taken
	urgentBooked = 0.90
	urgentLater  = 0.02
)

// slots yields every slot, plan by plan, each with the patient booked in it
// (0 for none). Each plan's occupancy comes from its own random stream.
func (n *network) slots(yield func(rdv.Slot, int64) bool) {
	begin := n.from.Start(rdv.Toronto)
	span := float64(n.to.Start(rdv.Toronto).Sub(begin))
	urgentEnd := n.from.AddDays(urgentDays).Start(rdv.Toronto)
	src := rand.NewPCG(0, 0)
	rng := rand.New(src) // #nosec G404 -- the demo is made from a seed so that it is the same every run
	id := int64(0)
	for _, plan := range n.load.Plans {
		src.Seed(uint64(n.opts.Seed), streamSlots^uint64(plan.ID)<<20) // #nosec G115 -- a seed's bits taken as they are
		for _, s := range plan.Expand(n.from, n.to, rdv.Toronto) {
			id++
			s.ID = id
			patient := int64(0)
			var booked float64
			switch {
			case s.Service == rdv.Urgent && s.Start.Before(urgentEnd):
				booked = urgentBooked
			case s.Service == rdv.Urgent:
				booked = urgentLater
			default:
				x := float64(s.Start.Sub(begin)) / span
				booked = bookedFirst - (bookedFirst-bookedLast)*x
			}
			switch u := rng.Float64(); {
			case u < blockedShare:
				s.State = rdv.SlotBlocked
			case u < blockedShare+booked*(1-blockedShare):
				s.State = rdv.SlotBooked
				patient = n.pool.patientFor(rng, s.Service)
			}
			if !yield(s, patient) {
				return
			}
		}
	}
}

// patientFor picks who is booked in a slot of service s: children in
// pediatrics, women of child-bearing age in prenatal care, anybody else
// otherwise.
func (pl *pool) patientFor(rng *rand.Rand, s rdv.Service) int64 {
	switch {
	case s == rdv.Pediatrics && len(pl.children) > 0:
		return pick(rng, pl.children)
	case s == rdv.Prenatal && len(pl.prenatal) > 0:
		return pick(rng, pl.prenatal)
	default:
		return int64(rng.IntN(len(pl.patients)) + 1)
	}
}
