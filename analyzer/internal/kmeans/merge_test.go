package kmeans

import (
	"math"
	"math/rand/v2"
	"testing"
)

// blobs returns a batch of n points around k centres in dim dimensions.
func blobs(rng *rand.Rand, n, k, dim int) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		c := rng.IntN(k)
		p := make([]float64, dim)
		for d := range p {
			p[d] = float64(c*10) + float64(d%3) + rng.NormFloat64()
		}
		out[i] = p
	}
	return out
}

// TestReplicasMergedTrainAsOne: two replicas, each given every other
// point of every batch, that merge their stats and apply them, hold after
// fifty batches the model that one process trained on whole batches
// holds: the same weights exactly (they depend on counts only) and the
// same centres to floating-point summation order (1e-12 relative). Both
// time units, and the dying-cluster split, are covered.
func TestReplicasMergedTrainAsOne(t *testing.T) {
	for _, unit := range []TimeUnit{Batches, Points} {
		t.Run(string(unit), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			const k, dim = 6, 5
			init := blobs(rng, k, k, dim)
			decay := 0.6
			if unit == Points {
				decay = 0.999
			}
			one, _ := New(init, 1, decay, unit)
			a, _ := New(init, 1, decay, unit)
			b, _ := New(init, 1, decay, unit)
			splits := 0
			for batch := range 50 {
				before := minOf(one.Weights)
				points := blobs(rng, 200+rng.IntN(200), 4, dim) // 4 groups for 6 centres: some clusters die
				if batch%10 == 9 {
					points = nil // an empty batch still decays
				}
				var shareA, shareB [][]float64
				for i, p := range points {
					if i%2 == 0 {
						shareA = append(shareA, p)
					} else {
						shareB = append(shareB, p)
					}
				}
				sa, sb := a.Assign(shareA), b.Assign(shareB)
				merged := a.Assign(nil)
				if err := merged.Merge(sa); err != nil {
					t.Fatal(err)
				}
				if err := merged.Merge(sb); err != nil {
					t.Fatal(err)
				}
				if err := a.Apply(merged); err != nil {
					t.Fatal(err)
				}
				if err := b.Apply(merged); err != nil {
					t.Fatal(err)
				}
				one.Update(points)
				if minOf(one.Weights) > before {
					splits++ // only a split raises the smallest weight
				}
				for j := range one.Centers {
					if a.Weights[j] != one.Weights[j] || b.Weights[j] != one.Weights[j] {
						t.Fatalf("batch %d cluster %d: weights %v and %v, one process %v", batch, j, a.Weights[j], b.Weights[j], one.Weights[j])
					}
					for d, want := range one.Centers[j] {
						tol := 1e-12 * math.Max(1, math.Abs(want))
						if math.Abs(a.Centers[j][d]-want) > tol || a.Centers[j][d] != b.Centers[j][d] {
							t.Fatalf("batch %d cluster %d dim %d: replicas %v and %v, one process %v", batch, j, d, a.Centers[j][d], b.Centers[j][d], want)
						}
					}
				}
			}
			if unit == Batches && splits == 0 {
				t.Fatal("no dying cluster was split: the test does not cover it")
			}
		})
	}
}

// TestApplyIsUpdate: Apply of a batch's own stats is Update, bit for bit.
func TestApplyIsUpdate(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	init := blobs(rng, 4, 4, 3)
	u, _ := New(init, 1, 0.6, Batches)
	v, _ := New(init, 1, 0.6, Batches)
	for range 20 {
		points := blobs(rng, 300, 4, 3)
		u.Update(points)
		if err := v.Apply(v.Assign(points)); err != nil {
			t.Fatal(err)
		}
	}
	for j := range u.Centers {
		for d := range u.Centers[j] {
			if u.Centers[j][d] != v.Centers[j][d] || u.Weights[j] != v.Weights[j] {
				t.Fatalf("cluster %d: Update %v/%v, Apply %v/%v", j, u.Centers[j], u.Weights[j], v.Centers[j], v.Weights[j])
			}
		}
	}
}

func TestMergeRefusesOtherShapes(t *testing.T) {
	m, _ := New([][]float64{{0, 0}, {1, 1}}, 1, 0.5, Batches)
	s := m.Assign([][]float64{{0, 0}})
	other, _ := New([][]float64{{0, 0, 0}, {1, 1, 1}}, 1, 0.5, Batches)
	if err := s.Merge(other.Assign(nil)); err == nil {
		t.Fatal("merged stats of other dimensions")
	}
	three, _ := New([][]float64{{0, 0}, {1, 1}, {2, 2}}, 1, 0.5, Batches)
	if err := m.Apply(three.Assign(nil)); err == nil {
		t.Fatal("applied stats of three clusters to two")
	}
	if err := m.Apply(BatchStats{Sums: [][]float64{{0, 0}, {0, 0}}, Counts: []int{-1, 0}}); err == nil {
		t.Fatal("applied a negative count")
	}
}

func minOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs {
		m = math.Min(m, x)
	}
	return m
}
