package vec32

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Both kernels, the assembly one and gonum's, must agree with plain loops
// on every length, at every alignment, and touch nothing past the slices
// they are given.
func TestKernelsMatchPlainLoops(t *testing.T) {
	saved := useAVX2
	defer func() { useAVX2 = saved }()
	for _, avx := range []bool{false, true} {
		if avx && !saved {
			t.Log("this CPU runs the gonum kernels only")
			continue
		}
		useAVX2 = avx
		matchPlainLoops(t)
	}
}

func matchPlainLoops(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fill := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		return x
	}
	const guard = 8
	for n := 0; n <= 133; n++ {
		for off := 0; off < 3; off++ {
			// Guard floats after each slice must be left alone.
			inAll, outAll, gradAll := fill(off + n + guard)[off:], fill(off + n + guard)[off:], fill(off + n + guard)[off:]
			in, out, grad := inAll[:n:n], outAll[:n:n], gradAll[:n:n]
			wantOut, wantGrad := append([]float32(nil), outAll...), append([]float32(nil), gradAll...)

			var want float64
			for i := range in {
				want += float64(in[i]) * float64(out[i])
			}
			if got := Dot(in, out); math.Abs(float64(got)-want) > 1e-4*(1+math.Abs(want)) {
				t.Fatalf("AVX2 %v, n=%d off=%d: dot %v, want %v", useAVX2, n, off, got, want)
			}

			const w = 0.37
			for i := 0; i < n; i++ {
				wantGrad[i] += w * wantOut[i]
				wantOut[i] += w * in[i]
			}
			Pair(w, in, out, grad)
			closeAll(t, "pair out", n, off, outAll, wantOut)
			closeAll(t, "pair grad", n, off, gradAll, wantGrad)

			for i := 0; i < n; i++ {
				wantOut[i] += -1.5 * in[i]
			}
			Axpy(-1.5, in, out)
			closeAll(t, "axpy", n, off, outAll, wantOut)
			Prefetch(in) // must not fault, whatever the length
		}
	}
}

func closeAll(t *testing.T, what string, n, off int, got, want []float32) {
	t.Helper()
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > 1e-5*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("AVX2 %v, n=%d off=%d: %s[%d] = %v, want %v", useAVX2, n, off, what, i, got[i], want[i])
		}
	}
}

// BenchmarkKernels times the kernels on 100 floats: the AVX2 assembly
// where the CPU has it, and gonum's BLAS. pair is a skip-gram pair's dot
// product and update.
func BenchmarkKernels(b *testing.B) {
	x, y, g := make([]float32, 100), make([]float32, 100), make([]float32, 100)
	for i := range x {
		x[i], y[i] = float32(i)*0.01, float32(100-i)*0.01
	}
	saved := useAVX2
	defer func() { useAVX2 = saved }()
	for _, avx := range []bool{true, false} {
		if avx && !saved {
			continue
		}
		useAVX2 = avx
		name := map[bool]string{true: "avx2", false: "gonum"}[avx]
		b.Run("dot/"+name, func(b *testing.B) {
			var s float32
			for b.Loop() {
				s += Dot(x, y)
			}
			_ = s
		})
		b.Run("axpy/"+name, func(b *testing.B) {
			for b.Loop() {
				Axpy(1e-9, x, y)
			}
		})
		b.Run("pair/"+name, func(b *testing.B) {
			for b.Loop() {
				Pair(-1e-9*Dot(x, y), x, y, g)
			}
		})
	}
}
