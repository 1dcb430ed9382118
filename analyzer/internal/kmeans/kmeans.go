// Package kmeans is streaming k-means with exactly Spark MLlib's
// StreamingKMeans update: per batch, points go to the nearest pre-update
// centre; every weight is discounted (even for an empty batch); each centre
// with new points moves by lambda = m / max(w', 1e-16); and a dying cluster
// is revived by splitting the largest one.
package kmeans

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// TimeUnit says what the decay factor is per: a batch, or a point.
type TimeUnit string

const (
	Batches TimeUnit = "batches"
	Points  TimeUnit = "points"
)

// Model is a streaming k-means model. It is not safe for concurrent use,
// but Predict only reads it.
type Model struct {
	Centers [][]float64
	Weights []float64
	Decay   float64
	Unit    TimeUnit
	norms   []float64 // squared norms of Centers, kept up to date
	sums    [][]float64
	counts  []int
	// Each centre's generation, counted up when the centre is revived by a
	// split, and the centre it was split from (-1: none).
	gen  []uint32
	from []int
}

// Slot reports centre j's generation, which changes whenever a split
// revives it, and the centre it was split from then (-1: none).
func (m *Model) Slot(j int) (gen uint32, from int) { return m.gen[j], m.from[j] }

// New returns a model with the given centres (copied), all with weight.
func New(centers [][]float64, weight, decay float64, unit TimeUnit) (*Model, error) {
	if len(centers) == 0 {
		return nil, errors.New("kmeans: no centres")
	}
	if decay < 0 || decay > 1 || math.IsNaN(decay) {
		return nil, fmt.Errorf("kmeans: decay %v must be in [0, 1]", decay)
	}
	if unit != Batches && unit != Points {
		return nil, fmt.Errorf("kmeans: time unit %q must be batches or points", unit)
	}
	dim := len(centers[0])
	m := &Model{Decay: decay, Unit: unit}
	for _, c := range centers {
		if len(c) != dim {
			return nil, errors.New("kmeans: centres of different dimensions")
		}
		m.Centers = append(m.Centers, append([]float64(nil), c...))
		m.Weights = append(m.Weights, weight)
		m.sums = append(m.sums, make([]float64, dim))
	}
	m.counts = make([]int, len(centers))
	m.gen = make([]uint32, len(centers))
	m.from = make([]int, len(centers))
	for j := range m.gen {
		m.gen[j], m.from[j] = 1, -1
	}
	m.norms = make([]float64, len(centers))
	m.refreshNorms()
	return m, nil
}

// DecayForHalfLife returns the decay factor that halves a weight in
// halfLife time units, as Spark's setHalfLife does.
func DecayForHalfLife(halfLife float64) float64 { return math.Exp(math.Log(0.5) / halfLife) }

// K is the number of clusters.
func (m *Model) K() int { return len(m.Centers) }

func (m *Model) refreshNorms() {
	for i, c := range m.Centers {
		m.norms[i] = floats.Dot(c, c)
	}
}

// Predict returns the index of the centre nearest to x (ties: the lowest).
func (m *Model) Predict(x []float64) int {
	return m.nearest(x, floats.Dot(x, x))
}

// nearest uses |x-c|² = |x|² + |c|² - 2x·c with cached norms; only when
// two centres are too close to call with that formula does it compare
// exact distances, so ties break towards the lowest index as in Spark.
func (m *Model) nearest(x []float64, xNorm float64) int {
	best := 0
	bestD := xNorm + m.norms[0] - 2*floats.Dot(x, m.Centers[0])
	bestExact := -1.0 // exact distance to best, computed on demand
	for i := 1; i < len(m.Centers); i++ {
		d := xNorm + m.norms[i] - 2*floats.Dot(x, m.Centers[i])
		eps := 1e-9 * (xNorm + m.norms[i] + 1)
		switch {
		case d < bestD-eps:
			best, bestD, bestExact = i, d, -1
		case d <= bestD+eps:
			if bestExact < 0 {
				bestExact = exact(x, m.Centers[best])
			}
			if e := exact(x, m.Centers[i]); e < bestExact {
				best, bestD, bestExact = i, d, e
			}
		}
	}
	return best
}

func exact(x, c []float64) float64 {
	var s float64
	for i := range x {
		d := x[i] - c[i]
		s += d * d
	}
	return s
}

// Update trains the model on one batch (which may be empty).
func (m *Model) Update(batch [][]float64) {
	m.assign(batch, m.sums, m.counts)
	m.apply(m.sums, m.counts)
}

// assign sums the batch's points by nearest centre into sums and counts.
func (m *Model) assign(batch [][]float64, sums [][]float64, counts []int) {
	for i := range sums {
		clear(sums[i])
		counts[i] = 0
	}
	for _, x := range batch {
		j := m.nearest(x, floats.Dot(x, x))
		floats.Add(sums[j], x)
		counts[j]++
	}
}

// apply is Spark's update for a batch whose points, by nearest centre,
// sum to sums and number counts: discount, move, split a dying cluster.
func (m *Model) apply(sums [][]float64, counts []int) {
	discount := m.Decay
	if m.Unit == Points {
		var n int
		for _, c := range counts {
			n += c
		}
		discount = math.Pow(m.Decay, float64(n))
	}
	floats.Scale(discount, m.Weights)
	for j, n := range counts {
		if n == 0 {
			continue
		}
		w := m.Weights[j] + float64(n)
		lambda := float64(n) / math.Max(w, 1e-16)
		m.Weights[j] = w
		floats.Scale(1-lambda, m.Centers[j])
		floats.AddScaled(m.Centers[j], lambda/float64(n), sums[j])
	}
	m.splitDying()
	m.refreshNorms()
}

// DecayEmpty ages the model by n empty batches at once (a gap in the
// stream). In points mode an empty batch changes nothing.
func (m *Model) DecayEmpty(n int64) {
	if m.Unit == Points || n <= 0 {
		return
	}
	if n == 1 {
		m.Update(nil)
		return
	}
	// n updates with no points: weights scale by decay^n, and the split
	// check runs after each; repeating it is exact and cheap compared with
	// the gap it stands for, but bound the work for very long gaps.
	for i := int64(0); i < n && i < 10000; i++ {
		floats.Scale(m.Decay, m.Weights)
		m.splitDying()
	}
	m.refreshNorms()
}

func (m *Model) splitDying() {
	largest, smallest := 0, 0
	for i, w := range m.Weights {
		if w > m.Weights[largest] {
			largest = i
		}
		if w < m.Weights[smallest] {
			smallest = i
		}
	}
	maxW, minW := m.Weights[largest], m.Weights[smallest]
	if !(minW < 1e-8*maxW) {
		return
	}
	w := (maxW + minW) / 2
	m.Weights[largest], m.Weights[smallest] = w, w
	m.gen[smallest]++
	m.from[smallest] = largest
	big, small := m.Centers[largest], m.Centers[smallest]
	for j, x := range big {
		p := 1e-14 * math.Max(math.Abs(x), 1)
		big[j] = x + p
		small[j] = x - p
	}
}

// KMeansPlusPlus picks k initial centres from points with greedy k-means++
// seeding: the first uniformly; then, at each step, 2+ln(k) candidates drawn
// with probability proportional to their squared distance from the chosen
// centres, keeping the one that lowers the total squared distance most (as
// scikit-learn does). rng supplies uniform draws in [0, 1). With fewer
// distinct points than k, the remaining centres repeat chosen ones.
func KMeansPlusPlus(points [][]float64, k int, rng func() float64) [][]float64 {
	if len(points) == 0 {
		return nil
	}
	trials := 2 + int(math.Log(float64(k)))
	centers := [][]float64{append([]float64(nil), points[int(rng()*float64(len(points)))%len(points)]...)}
	d2 := make([]float64, len(points))
	for i, p := range points {
		d2[i] = exact(p, centers[0])
	}
	cand := make([]float64, len(points))
	best := make([]float64, len(points))
	for len(centers) < k {
		var total float64
		for _, d := range d2 {
			total += d
		}
		if total == 0 {
			centers = append(centers, append([]float64(nil), centers[len(centers)-1]...))
			continue
		}
		bestIdx, bestPot := -1, math.Inf(1)
		for range trials {
			x := rng() * total
			idx := len(points) - 1
			for i, d := range d2 {
				if x < d {
					idx = i
					break
				}
				x -= d
			}
			var pot float64
			for i, p := range points {
				cand[i] = math.Min(d2[i], exact(p, points[idx]))
				pot += cand[i]
			}
			if pot < bestPot {
				bestIdx, bestPot = idx, pot
				copy(best, cand)
			}
		}
		centers = append(centers, append([]float64(nil), points[bestIdx]...))
		copy(d2, best)
	}
	return centers
}
