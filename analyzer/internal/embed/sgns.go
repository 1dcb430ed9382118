package embed

import (
	"math"

	"github.com/geostream/geostream/analyzer/internal/vec32"
)

// sigmoid table, as word2vec does: exp is too slow in the inner loop.
const (
	sigTableSize = 1000
	maxExp       = 6
)

var sigTable = func() []float32 {
	t := make([]float32, sigTableSize)
	for i := range t {
		x := (float64(i)/sigTableSize*2 - 1) * maxExp
		e := math.Exp(x)
		t[i] = float32(e / (e + 1))
	}
	return t
}()

func sigmoid(x float32) float32 {
	switch {
	case x >= maxExp:
		return 1
	case x <= -maxExp:
		return 0
	}
	return sigTable[int((x+maxExp)*(sigTableSize/maxExp/2))]
}

// sgnsPair does one skip-gram negative-sampling update for an input word
// vector in and one output vector out with label 1 (context) or 0
// (negative): out moves at once, in's gradient is added to grad.
func sgnsPair(in, out, grad []float32, label, lr float32) {
	vec32.Pair((label-sigmoid(vec32.Dot(in, out)))*lr, in, out, grad)
}

// rng is a small, fast, seedable generator (the one word2vec uses).
type rng uint64

func (r *rng) next() uint64 {
	*r = *r*25214903917 + 11
	return uint64(*r)
}

// float returns a number in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11&(1<<40-1)) / (1 << 40) }
