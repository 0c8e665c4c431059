package availability

import "rdv"

// The network grows while the index serves: an onboarded clinic must be
// searchable at once, on this instance and on the others (which learn of it
// when its first slots reach them). Writers copy the directory, change the
// copy and publish it; searches never wait for them.
//
// A new clinic takes three steps, in this order, so that a reader never
// meets a position it cannot resolve:
//  1. every service's slices get room for the clinic's position (under
//     the service's lock);
//  2. the directory that knows the clinic is published;
//  3. the clinic becomes a site of the services it offers (under each
//     service's lock).
//
// A slot of the clinic can enter the index only through a directory
// published at step 2, so its slice exists; a search reaches a clinic only
// through a site, listed at step 3 or by a slot, and reads the directory
// under the same lock, so it finds the clinic there.

// AddClinic makes a clinic and its practitioners known to the index, so
// that their slots can be added and found. The clinic is searchable at
// once for the services it offers. Adding a clinic the index knows adds
// only the practitioners it does not know; known ones are kept as they
// are (their slots' entries carry their languages).
func (ix *Index) AddClinic(c rdv.Clinic, ps []rdv.Practitioner) {
	ix.grow.Lock()
	defer ix.grow.Unlock()
	old := ix.dir.Load()
	_, known := old.clinicPos[c.ID]
	var fresh []rdv.Practitioner
	for _, p := range ps {
		if _, ok := old.practPos[p.ID]; !ok && !containsPractitioner(fresh, p.ID) {
			fresh = append(fresh, p)
		}
	}
	if known && len(fresh) == 0 {
		return
	}
	d := old.clone()
	ci := int32(-1)
	if !known {
		ci = d.addClinic(c)
		ix.makeRoom(len(d.clinics))
	}
	for _, p := range fresh {
		d.addPractitioner(p)
	}
	ix.dir.Store(d)
	ix.changes.Add(1)
	if ci >= 0 {
		for i := range ix.services {
			if !c.Offers(rdv.Services[i]) {
				continue
			}
			ss := &ix.services[i]
			ss.mu.Lock()
			ss.list(d.sites[ci])
			ss.mu.Unlock()
		}
	}
}

// AddPractitioner makes a practitioner of a known clinic known to the
// index. Adding a known practitioner changes nothing. It fails with
// ENOTFOUND when the index does not know the practitioner's clinic: add
// the clinic with AddClinic.
func (ix *Index) AddPractitioner(p rdv.Practitioner) error {
	c, ok := ix.Clinic(p.ClinicID)
	if !ok {
		return rdv.Errorf(rdv.ENOTFOUND, "add practitioner %d to the index: clinic %d", p.ID, p.ClinicID)
	}
	ix.AddClinic(c, []rdv.Practitioner{p})
	return nil
}

// Knows reports whether the index knows a slot's clinic and practitioner:
// Add ignores a slot it does not know.
func (ix *Index) Knows(s rdv.Slot) bool {
	d := ix.dir.Load()
	_, okc := d.clinicPos[s.ClinicID]
	_, okp := d.practPos[s.PractitionerID]
	return okc && okp
}

// makeRoom gives every service's slices n clinic positions. The caller
// holds ix.grow.
func (ix *Index) makeRoom(n int) {
	for i := range ix.services {
		ss := &ix.services[i]
		ss.mu.Lock()
		for len(ss.byClinic) < n {
			ss.byClinic = append(ss.byClinic, nil)
			ss.listed = append(ss.listed, false)
		}
		ss.mu.Unlock()
	}
}

func containsPractitioner(ps []rdv.Practitioner, id int64) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
}
