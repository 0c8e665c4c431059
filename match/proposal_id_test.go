package match

import (
	"strings"
	"testing"
	"time"
)

// A proposal's ID sorts after those made before it, whatever the digits
// of its time, so that the store's indexes keyed by it grow at their end.
func TestProposalIDsSortAsMade(t *testing.T) {
	times := []time.Time{
		time.Date(1970, time.January, 1, 0, 0, 0, 1e6, time.UTC),
		time.Date(2031, time.March, 2, 17, 0, 0, 0, time.UTC),
		time.Date(2031, time.March, 2, 17, 0, 0, 1e6, time.UTC),
		time.UnixMilli(36*36*36*36*36*36*36*36 - 1),           // zzzzzzzz, in 2059
		time.UnixMilli(36 * 36 * 36 * 36 * 36 * 36 * 36 * 36), // 100000000
		time.Date(4999, time.December, 31, 23, 59, 59, 0, time.UTC),
	}
	var before string
	for _, at := range times {
		id := newProposalID(at)
		if !strings.HasPrefix(id, "p_") || len(id) != len(newProposalID(times[0])) {
			t.Errorf("ID at %v = %q: want p_ and the width of every other", at, id)
		}
		if id <= before {
			t.Errorf("ID at %v = %q sorts before %q, made earlier", at, id, before)
		}
		before = id
	}
	if a, b := newProposalID(times[1]), newProposalID(times[1]); a == b {
		t.Errorf("two IDs in the same millisecond are both %q", a)
	}
}
