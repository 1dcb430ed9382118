package kmeans

import "math"

// RandomState reproduces numpy's legacy numpy.random.RandomState for an
// integer seed: MT19937 seeded with init_genrand, doubles from two 32-bit
// draws, and normals from the polar Box–Muller method that keeps the second
// value for the next call. PySpark's setRandomCenters draws its centres with
// RandomState(seed).randn(k, dim).
type RandomState struct {
	mt       [624]uint32
	i        int
	hasGauss bool
	gauss    float64
}

// NewRandomState seeds a generator as numpy.random.RandomState(seed) does.
func NewRandomState(seed uint32) *RandomState {
	r := &RandomState{}
	r.mt[0] = seed
	for i := 1; i < 624; i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	r.i = 624
	return r
}

func (r *RandomState) uint32() uint32 {
	if r.i >= 624 {
		for k := 0; k < 624; k++ {
			y := (r.mt[k] & 0x80000000) | (r.mt[(k+1)%624] & 0x7fffffff)
			v := r.mt[(k+397)%624] ^ (y >> 1)
			if y&1 != 0 {
				v ^= 0x9908b0df
			}
			r.mt[k] = v
		}
		r.i = 0
	}
	y := r.mt[r.i]
	r.i++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// Float64 is numpy's random_sample: 53 random bits in [0, 1).
func (r *RandomState) Float64() float64 {
	a, b := r.uint32()>>5, r.uint32()>>6
	return (float64(a)*67108864 + float64(b)) / 9007199254740992
}

// Norm is numpy's legacy standard normal.
func (r *RandomState) Norm() float64 {
	if r.hasGauss {
		r.hasGauss = false
		return r.gauss
	}
	var x1, x2, r2 float64
	for {
		x1 = 2*r.Float64() - 1
		x2 = 2*r.Float64() - 1
		r2 = x1*x1 + x2*x2
		if r2 < 1 && r2 != 0 {
			break
		}
	}
	f := math.Sqrt(-2 * math.Log(r2) / r2)
	r.gauss, r.hasGauss = f*x1, true
	return f * x2
}

// Randn is numpy's randn(rows, cols), row-major.
func (r *RandomState) Randn(rows, cols int) [][]float64 {
	out := make([][]float64, rows)
	for i := range out {
		out[i] = make([]float64, cols)
		for j := range out[i] {
			out[i][j] = r.Norm()
		}
	}
	return out
}
