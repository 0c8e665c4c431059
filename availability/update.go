package availability

import (
	"slices"
	"time"

	"rdv"
)

// Apply brings the index in line with a committed write: the taken slots
// leave first, then the freed ones come back, so a slot in both ends up
// bookable.
func (ix *Index) Apply(ch rdv.SlotChanges) {
	for _, s := range ch.Taken {
		ix.Remove(s)
	}
	for _, s := range ch.Freed {
		ix.Add(s)
	}
}

// Add makes a slot bookable in the index; adding it twice is harmless. A
// slot already there is refreshed (its audience may have changed). A slot
// of an unknown service, clinic or practitioner is ignored: the index
// serves only the network it was built with.
func (ix *Index) Add(s rdv.Slot) {
	var clock localClock
	// The directory that knows the slot's clinic was published after the
	// clinic's place in every service's slices was made (see AddClinic).
	d := ix.dir.Load()
	svc, ci, e, ok := d.encode(s, &clock)
	if !ok {
		return
	}
	ss := &ix.services[svc]
	ss.mu.Lock()
	list := ss.byClinic[ci]
	i, found := slices.BinarySearchFunc(list, e, compareEntries)
	if found {
		list[i] = e
	} else {
		ss.byClinic[ci] = slices.Insert(list, i, e)
		ss.list(d.sites[ci])
		ix.count.Add(1)
	}
	ix.changes.Add(1)
	ss.mu.Unlock()
	if fn := ix.added.Load(); fn != nil {
		(*fn)(s)
	}
}

// WhenAdded has fn told of every slot Add makes bookable (a cancellation,
// an expired hold or proposal, new availability, another instance's
// change), after the index holds it: the matcher offers it to the waiting
// requests. fn runs on the writer's goroutine and must not block; nil
// stops the telling.
func (ix *Index) WhenAdded(fn func(rdv.Slot)) {
	if fn == nil {
		ix.added.Store(nil)
		return
	}
	ix.added.Store(&fn)
}

// Remove takes a slot out of the index; removing an absent slot is harmless.
// The slot is found by its service, clinic, start and ID.
func (ix *Index) Remove(s rdv.Slot) {
	svc := rdv.ServiceIndex(s.Service)
	if svc < 0 {
		return
	}
	ci, ok := ix.dir.Load().clinicPos[s.ClinicID]
	if !ok {
		return
	}
	start, ok := nanosOf(s.Start)
	if !ok {
		return
	}
	key := entry{start: start, id: s.ID}
	ss := &ix.services[svc]
	ss.mu.Lock()
	list := ss.byClinic[ci]
	if i, found := slices.BinarySearchFunc(list, key, compareEntries); found {
		ss.byClinic[ci] = slices.Delete(list, i, i+1)
		ix.count.Add(-1)
		ix.changes.Add(1)
	}
	ss.mu.Unlock()
}

// PruneBefore drops slots that start before t. It runs every second or so:
// when nothing has started since the last call it takes only read locks.
func (ix *Index) PruneBefore(t time.Time) {
	cut := clampNanos(t)
	for svc := range ix.services {
		ss := &ix.services[svc]
		if !ss.startsBefore(cut) {
			continue
		}
		ss.mu.Lock()
		for ci, list := range ss.byClinic {
			if k := seek(list, cut); k > 0 {
				// Copy down rather than reslice, so the slice's front
				// does not grow into a leak over weeks of pruning.
				n := copy(list, list[k:])
				ss.byClinic[ci] = list[:n]
				ix.count.Add(-int64(k))
				ix.changes.Add(1)
			}
		}
		ss.mu.Unlock()
	}
}

func (ss *serviceSlots) startsBefore(cut int64) bool {
	ss.mu.RLock()
	defer ss.mu.RUnlock()
	for _, list := range ss.byClinic {
		if len(list) > 0 && list[0].start < cut {
			return true
		}
	}
	return false
}
