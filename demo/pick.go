package demo

import (
	"math/rand/v2"
	"strings"
)

// pick returns a uniformly chosen element of list.
func pick[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }

// weighted returns an index into weights, chosen with probability
// proportional to its weight.
func weighted(rng *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// startsWithVowel reports whether French elides "de" before s (d'Alma,
// d'Eastman, d'Îles).
func startsWithVowel(s string) bool {
	f := asciiFold(s)
	return f != "" && strings.ContainsRune("AEIOUYaeiouy", rune(f[0]))
}
