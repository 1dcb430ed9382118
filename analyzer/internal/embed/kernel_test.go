package embed

import (
	"testing"
)

// BenchmarkKernels times the skip-gram inner kernels (gonum BLAS).
func BenchmarkKernels(b *testing.B) {
	x, y := make([]float32, 100), make([]float32, 100)
	for i := range x {
		x[i], y[i] = float32(i)*0.01, float32(100-i)*0.01
	}
	b.Run("dot", func(b *testing.B) {
		var s float32
		for b.Loop() {
			s += dot32(x, y)
		}
		_ = s
	})
	b.Run("axpy", func(b *testing.B) {
		for b.Loop() {
			axpy32(1e-9, x, y)
		}
	})
}
