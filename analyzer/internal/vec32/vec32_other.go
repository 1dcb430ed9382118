//go:build !amd64

package vec32

var useAVX2 = false

func dotAVX2(x, y []float32) float32     { panic("embed: no AVX2 kernels on this architecture") }
func axpyAVX2(a float32, x, y []float32) { panic("embed: no AVX2 kernels on this architecture") }
func pairAVX2(w float32, in, out, grad []float32) {
	panic("embed: no AVX2 kernels on this architecture")
}
func prefetch32(x []float32) {}
