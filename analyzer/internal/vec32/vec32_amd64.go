package vec32

import "golang.org/x/sys/cpu"

// useAVX2 picks the assembly kernels when the CPU has AVX2 and FMA.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func dotAVX2(x, y []float32) float32

//go:noescape
func axpyAVX2(a float32, x, y []float32)

//go:noescape
func pairAVX2(w float32, in, out, grad []float32)

//go:noescape
func prefetch32(x []float32)
