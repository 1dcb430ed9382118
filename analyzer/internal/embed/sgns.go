package embed

import "math"

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

func dot32(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// axpy32 adds a*x to y.
func axpy32(a float32, x, y []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		y[i] += a * x[i]
		y[i+1] += a * x[i+1]
		y[i+2] += a * x[i+2]
		y[i+3] += a * x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += a * x[i]
	}
}

// sgnsPair does one skip-gram negative-sampling update for an input word
// vector in and one output vector out with label 1 (context) or 0
// (negative): out moves at once, in's gradient is added to grad.
func sgnsPair(in, out, grad []float32, label, lr float32) {
	g := (label - sigmoid(dot32(in, out))) * lr
	axpy32(g, out, grad)
	axpy32(g, in, out)
}

// rng is a small, fast, seedable generator (the one word2vec uses).
type rng uint64

func (r *rng) next() uint64 {
	*r = *r*25214903917 + 11
	return uint64(*r)
}

// float returns a number in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11&(1<<40-1)) / (1 << 40) }
