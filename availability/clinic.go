package availability

import (
	"slices"
	"time"

	"rdv"
)

// ClinicSlots appends to dst the bookable slots of one clinic that start
// in [from, to) (a zero to has no end), of service svc or of every
// service when svc is "", in start order (slot ID on a tie), and returns
// it. Rostered-only slots come only with rostered. It is the read of a
// clinic's whole availability that publishers of the index need (the
// FHIR slot files, a search by clinic or practitioner): it walks one
// clinic's slices under each service's read lock in turn, so a clinic's
// few thousand slots cost microseconds and block no booking for longer.
func (ix *Index) ClinicSlots(clinicID int64, svc rdv.Service, from, to time.Time, rostered bool, dst []Result) []Result {
	d := ix.dir.Load()
	ci, ok := d.clinicPos[clinicID]
	if !ok {
		return dst
	}
	lo, hi := clampNanos(from), clampNanos(to)
	if to.IsZero() {
		hi = clampNanos(maxNanoTime)
	}
	first := len(dst)
	for i := range ix.services {
		if svc != "" && rdv.Services[i] != svc {
			continue
		}
		ss := &ix.services[i]
		ss.mu.RLock()
		// The directory read under the lock knows every practitioner the
		// slices name (see AddClinic).
		d := ix.dir.Load()
		if int(ci) < len(ss.byClinic) {
			list := ss.byClinic[ci]
			for k := seek(list, lo); k < len(list) && list[k].start < hi; k++ {
				e := &list[k]
				if e.flags&flagRostered != 0 && !rostered {
					continue
				}
				dst = append(dst, Result{
					SlotID:         e.id,
					Start:          time.Unix(0, e.start).UTC(),
					End:            time.Unix(0, e.start+int64(e.dur)*int64(time.Second)).UTC(),
					Service:        rdv.Services[i],
					ClinicID:       clinicID,
					PractitionerID: d.practs[e.pract].ID,
				})
			}
		}
		ss.mu.RUnlock()
	}
	if svc == "" {
		slices.SortFunc(dst[first:], func(a, b Result) int {
			if c := a.Start.Compare(b.Start); c != 0 {
				return c
			}
			return cmpInt64(a.SlotID, b.SlotID)
		})
	}
	return dst
}

// Changes counts the changes the index has taken: every slot added,
// refreshed, removed or pruned, and every clinic or practitioner learnt.
// It only grows. A cache built from the index (the FHIR slot files)
// compares it with the count it was built at to know, without reading a
// slot, whether it may still be current.
func (ix *Index) Changes() uint64 { return ix.changes.Load() }
