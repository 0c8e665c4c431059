package availability

import "time"

// anywhereKm is a radius that holds the whole network: half the Earth's
// circumference.
const anywhereKm = 20040

// NextFree finds the next free slot for a search that found nothing: the
// earliest slot matching q from q.From on, with no end date, within the
// smallest of widening discs around q's point (q.RadiusKm, then twice that,
// and so on up to anywhere) that holds one. The person learns first of a
// later time near where they looked, then of the nearest place with one,
// rather than of a slot a day sooner at the other end of Québec. The
// other conditions of q (service, days, times of day, language, audience)
// still hold; Limit, PerClinic and To are ignored.
//
// It allocates nothing: at most a dozen searches of one result each, run
// only when a search came back empty.
func (ix *Index) NextFree(q Query) (Result, bool) {
	if !(q.RadiusKm >= 0) {
		return Result{}, false
	}
	q.To, q.Limit, q.PerClinic = time.Time{}, 1, 0
	var buf [1]Result
	r := max(q.RadiusKm, 1)
	for {
		q.RadiusKm = min(r, anywhereKm)
		if res := ix.Search(q, buf[:0]); len(res) > 0 {
			return res[0], true
		}
		if r >= anywhereKm {
			return Result{}, false
		}
		r *= 2
	}
}
