package match

import (
	"math/rand/v2"
	"testing"

	"rdv"
)

// TestLineBits: a line's bits follow its requests through insertions and
// deletions anywhere, against a plain list of the same.
func TestLineBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 9))
	var l line
	var want []*waiting
	for step := range 5000 {
		if len(want) > 0 && rng.IntN(3) == 0 {
			i := rng.IntN(len(want))
			l.delete(i)
			want = append(want[:i], want[i+1:]...)
		} else {
			i := rng.IntN(len(want) + 1)
			w := &waiting{r: rdv.AppointmentRequest{ID: int64(step)}, live: rng.IntN(2) == 0}
			l.insert(i, w)
			want = append(want[:i], append([]*waiting{w}, want[i:]...)...)
		}
		if rng.IntN(4) == 0 && len(want) > 0 {
			i := rng.IntN(len(want))
			want[i].live = !want[i].live
			l.setOpen(i, !want[i].live)
		}
		if len(l.ws) != len(want) || len(l.open) != (len(want)+63)/64 {
			t.Fatalf("step %d: %d requests in %d words, want %d", step, len(l.ws), len(l.open), len(want))
		}
		for i, w := range want {
			if l.ws[i] != w || (l.open[i/64]>>(i%64)&1 == 1) == w.live {
				t.Fatalf("step %d: entry %d wrong", step, i)
			}
		}
		for i := len(want); i < len(l.open)*64; i++ {
			if l.open[i/64]>>(i%64)&1 != 0 {
				t.Fatalf("step %d: bit %d set past the end", step, i)
			}
		}
	}
}
