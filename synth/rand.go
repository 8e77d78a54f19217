package synth

import (
	"math/bits"
	"math/rand/v2"
)

// rng draws every random value of a run from one PCG stream. The helpers are
// written here rather than taken from rand.Rand so that the bytes produced for
// a seed depend only on the PCG algorithm, which math/rand/v2 fixes, and not
// on how a Go release implements IntN or Float64.
type rng struct{ src *rand.PCG }

func newRNG(seed uint64) rng {
	return rng{src: rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)}
}

// intn returns a value in [0, n); n must be positive. Lemire's multiply-shift
// has a bias below n/2⁶⁴, far below anything a synthetic data set can show.
func (r rng) intn(n int) int {
	hi, _ := bits.Mul64(r.src.Uint64(), uint64(n))
	return int(hi)
}

// between returns a value in [lo, hi]; hi must not be below lo.
func (r rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// bp reports true with probability p/10,000 (p in basis points).
func (r rng) bp(p int) bool { return r.intn(10000) < p }

// weighted is a table of cumulative weights for choosing an index.
type weighted []int

func newWeighted(w ...int) weighted {
	c := make(weighted, len(w))
	sum := 0
	for i, x := range w {
		sum += x
		c[i] = sum
	}
	return c
}

// pick returns index i with probability w[i]/sum(w).
func (c weighted) pick(r rng) int {
	x := r.intn(c[len(c)-1])
	for i, v := range c {
		if x < v {
			return i
		}
	}
	return len(c) - 1
}
