// Package vec32 has the float32 vector kernels of the analyzer's hot
// loops: AVX2 and FMA assembly where the CPU has it (vec32_amd64.s), about
// twice as fast as gonum's SSE kernels for 100 floats and more when fused
// (BenchmarkKernels), and gonum's BLAS elsewhere.
package vec32

import "gonum.org/v1/gonum/blas/blas32"

// Dot returns the dot product of a and b[:len(a)].
func Dot(a, b []float32) float32 {
	b = b[:len(a)]
	if useAVX2 {
		return dotAVX2(a, b)
	}
	return blas32.Dot(blas32.Vector{N: len(a), Inc: 1, Data: a}, blas32.Vector{N: len(a), Inc: 1, Data: b})
}

// Axpy adds a*x to y[:len(x)].
func Axpy(a float32, x, y []float32) {
	y = y[:len(x)]
	if useAVX2 {
		axpyAVX2(a, x, y)
		return
	}
	blas32.Axpy(a, blas32.Vector{N: len(x), Inc: 1, Data: x}, blas32.Vector{N: len(x), Inc: 1, Data: y})
}

// Pair adds w*out to grad, then w*in to out (over len(in) floats): the
// update of one skip-gram pair, reading out once.
func Pair(w float32, in, out, grad []float32) {
	out, grad = out[:len(in)], grad[:len(in)]
	if useAVX2 {
		pairAVX2(w, in, out, grad)
		return
	}
	Axpy(w, out, grad)
	Axpy(w, in, out)
}

// Prefetch asks for x's cache lines without waiting for them (a no-op
// where there is no assembly).
func Prefetch(x []float32) { prefetch32(x) }
