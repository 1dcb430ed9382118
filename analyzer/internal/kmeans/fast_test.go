package kmeans

import (
	"math/rand/v2"
	"testing"
)

// The float32 first pass picks exactly what the model's Predict picks, or
// defers to it: on random points, on points halfway between two centres,
// on the centres themselves and on a centre given twice.
func TestCentres32AgreeWithPredict(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	const k, dim = 15, 131
	centres := make([][]float64, k)
	for i := range centres {
		centres[i] = make([]float64, dim)
		for j := range centres[i] {
			centres[i][j] = r.NormFloat64() * 0.3
		}
	}
	centres[7] = append([]float64(nil), centres[3]...) // a duplicate: an exact tie
	km, err := New(centres, 1, 0.6, Batches)
	if err != nil {
		t.Fatal(err)
	}
	cs := newCentres32(km)
	var points [][]float32
	for range 20000 {
		p := make([]float32, dim)
		for j := range p {
			p[j] = float32(r.NormFloat64() * 0.4)
		}
		points = append(points, p)
	}
	for a := 0; a < k; a++ {
		for b := a + 1; b < k; b++ {
			mid := make([]float32, dim)
			for j := range mid {
				mid[j] = float32((centres[a][j] + centres[b][j]) / 2)
			}
			points = append(points, mid)
		}
		c := make([]float32, dim)
		for j := range c {
			c[j] = float32(centres[a][j])
		}
		points = append(points, c, make([]float32, dim))
	}
	deferred := 0
	var x []float64
	for i, p := range points {
		x = widen(x, p)
		want := km.Predict(x)
		got := cs.nearest(p)
		if got < 0 {
			if want != 3 { // 3 and 7 are the same centre: all its points tie
				deferred++
			}
			continue
		}
		if got != want {
			t.Fatalf("point %d: float32 pass chose %d, Predict %d", i, got, want)
		}
	}
	if deferred < k-2 || deferred > len(points)/100 {
		t.Fatalf("%d of %d points deferred to float64 (the halfway points alone are about %d)", deferred, len(points), k*(k-1)/2)
	}
}
