package kmeans

import (
	"math"

	"github.com/geostream/geostream/analyzer/internal/vec32"
)

// centres32 holds the centres in float32 for a fast first pass over a
// window's points: with the AVX2 kernels and no float64 copy of each
// point, most points are placed in a fraction of the time. Where the two
// nearest centres are too close to tell apart in float32, nearest says so
// and the caller asks the float64 model, so the result is always the
// model's own Predict.
type centres32 struct {
	c       [][]float32
	norm    []float32 // squared norms
	maxNorm float64   // largest norm
}

func newCentres32(km *Model) centres32 {
	var cs centres32
	for _, c := range km.Centers {
		f := make([]float32, len(c))
		var n float64
		for i, x := range c {
			f[i] = float32(x)
			n += x * x
		}
		cs.c = append(cs.c, f)
		cs.norm = append(cs.norm, float32(n))
		cs.maxNorm = math.Max(cs.maxNorm, math.Sqrt(n))
	}
	return cs
}

// nearest returns the index of the centre nearest x, or -1 when the
// nearest two are within float32's error of each other.
func (cs centres32) nearest(x []float32) int {
	best, second := float32(math.Inf(1)), float32(math.Inf(1))
	bi := -1
	for j, c := range cs.c {
		// |x-c|² less |x|², which is the same for every centre.
		d := cs.norm[j] - 2*vec32.Dot(x, c)
		switch {
		case d < best:
			best, second, bi = d, best, j
		case d < second:
			second = d
		}
	}
	if len(cs.c) == 1 {
		return bi
	}
	// Each distance is off by at most a few float32 roundings of every
	// term of |x|·|c| and |c|²: (n+2)·2⁻²⁴ relative, four times over for
	// safety.
	xn := math.Sqrt(float64(vec32.Dot(x, x)))
	tol := 4 * float64(len(x)+2) * 0x1p-24 * (xn*cs.maxNorm + cs.maxNorm*cs.maxNorm)
	if float64(second)-float64(best) <= tol || math.IsNaN(float64(best)) {
		return -1
	}
	return bi
}
