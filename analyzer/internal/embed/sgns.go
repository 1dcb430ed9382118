package embed

import (
	"math"

	"gonum.org/v1/gonum/blas/blas32"
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

// dot32, axpy32 and sgnsPair run AVX2 and FMA assembly where the CPU has
// it (kernel_amd64.s), about four times as fast as gonum's SSE kernels
// here (BenchmarkKernels), and gonum's BLAS elsewhere.
func dot32(a, b []float32) float32 {
	b = b[:len(a)]
	if useAVX2 {
		return dotAVX2(a, b)
	}
	return blas32.Dot(blas32.Vector{N: len(a), Inc: 1, Data: a}, blas32.Vector{N: len(a), Inc: 1, Data: b})
}

// axpy32 adds a*x to y.
func axpy32(a float32, x, y []float32) {
	y = y[:len(x)]
	if useAVX2 {
		axpyAVX2(a, x, y)
		return
	}
	blas32.Axpy(a, blas32.Vector{N: len(x), Inc: 1, Data: x}, blas32.Vector{N: len(x), Inc: 1, Data: y})
}

// sgnsPair does one skip-gram negative-sampling update for an input word
// vector in and one output vector out with label 1 (context) or 0
// (negative): out moves at once, in's gradient is added to grad.
func sgnsPair(in, out, grad []float32, label, lr float32) {
	out, grad = out[:len(in)], grad[:len(in)]
	g := (label - sigmoid(dot32(in, out))) * lr
	if useAVX2 {
		pairAVX2(g, in, out, grad)
		return
	}
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
