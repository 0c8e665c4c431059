package demo

import (
	"testing"

	"rdv"
)

// BenchmarkBuild measures generation alone: building the network and
// reading every slot, as a store's load does before writing.
func BenchmarkBuild(b *testing.B) {
	start := rdv.Date{Year: 2026, Month: 12, Day: 7}
	slots := 0
	for b.Loop() {
		n, err := Build(Options{Seed: 1, Start: start})
		if err != nil {
			b.Fatal(err)
		}
		for range n.Slots {
			slots++
		}
	}
	b.ReportMetric(float64(slots)/b.Elapsed().Seconds(), "slots/s")
}

// BenchmarkSlots measures reading the slots of a built network.
func BenchmarkSlots(b *testing.B) {
	n, err := Build(Options{Seed: 1, Start: rdv.Date{Year: 2026, Month: 12, Day: 7}})
	if err != nil {
		b.Fatal(err)
	}
	slots := 0
	for b.Loop() {
		for range n.Slots {
			slots++
		}
	}
	b.ReportMetric(float64(slots)/b.Elapsed().Seconds(), "slots/s")
}
