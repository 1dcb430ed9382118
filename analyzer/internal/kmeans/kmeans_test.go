package kmeans

import (
	"math"
	"testing"
)

func mustNew(t *testing.T, centers [][]float64, weights []float64, decay float64, unit TimeUnit) *Model {
	t.Helper()
	m, err := New(centers, 1, decay, unit)
	if err != nil {
		t.Fatal(err)
	}
	copy(m.Weights, weights)
	return m
}

func pts(xs ...float64) [][]float64 {
	var out [][]float64
	for _, x := range xs {
		out = append(out, []float64{x})
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

func wantState(t *testing.T, m *Model, centers [][]float64, weights []float64) {
	t.Helper()
	for i := range centers {
		for j := range centers[i] {
			if !near(m.Centers[i][j], centers[i][j]) {
				t.Fatalf("centres %v, want %v", m.Centers, centers)
			}
		}
		if !near(m.Weights[i], weights[i]) {
			t.Fatalf("weights %v, want %v", m.Weights, weights)
		}
	}
}

// Golden vector 1.
func TestGoldenTwoBatches(t *testing.T) {
	m := mustNew(t, [][]float64{{0, 0}, {1, 1}}, []float64{1, 1}, 1, Batches)
	m.Update([][]float64{{-.1, -.1}, {.1, .1}, {.9, .9}, {1.1, 1.1}})
	wantState(t, m, [][]float64{{0, 0}, {1, 1}}, []float64{3, 3})
	m.Decay = 0
	m.Update([][]float64{{1.5, 1.5}, {.2, .2}})
	wantState(t, m, [][]float64{{.2, .2}, {1.5, 1.5}}, []float64{1, 1})
}

// Golden vector 2.
func TestGoldenPredictions(t *testing.T) {
	m := mustNew(t, [][]float64{{0}, {1}}, []float64{1, 1}, 0, Batches)
	steps := []struct {
		batch   []float64
		predict []int
		centers [][]float64
		weights []float64
	}{
		{[]float64{-.5, .6, .8}, []int{0, 1, 1}, [][]float64{{-.5}, {.7}}, []float64{1, 2}},
		{[]float64{.2, -.1, .3}, []int{1, 0, 1}, [][]float64{{-.1}, {.25}}, []float64{1, 2}},
	}
	for i, s := range steps {
		m.Update(pts(s.batch...))
		for j, x := range s.batch {
			if got := m.Predict([]float64{x}); got != s.predict[j] {
				t.Fatalf("step %d: predict(%v) = %d, want %d", i, x, got, s.predict[j])
			}
		}
		wantState(t, m, s.centers, s.weights)
	}
}

// Golden vector 3.
func TestGoldenPointsMode(t *testing.T) {
	m := mustNew(t, [][]float64{{0}, {10}}, []float64{2, 2}, 0.5, Points)
	m.Update(pts(1, 2, 9))
	wantState(t, m, [][]float64{{4.0 / 3}, {9.2}}, []float64{2.25, 1.25})
}

// Golden vector 4.
func TestGoldenDyingClusterSplit(t *testing.T) {
	m := mustNew(t, [][]float64{{0}, {1000}}, []float64{1, 1}, 0.6, Batches)
	for batch := 1; batch <= 40; batch++ {
		m.Update(pts(1, 3))
		if m.Weights[0] == m.Weights[1] && m.Weights[0] > 1 {
			if batch != 33 || m.Weights[0] != 2.4999999283720498 {
				t.Fatalf("split at batch %d with weights %v; want batch 33 with 2.4999999283720498", batch, m.Weights)
			}
			if m.Centers[0][0] == m.Centers[1][0] || math.Abs(m.Centers[0][0]-m.Centers[1][0]) > 1e-12 {
				t.Fatalf("split centres %v not a hair apart", m.Centers)
			}
			return
		}
	}
	t.Fatal("the dying cluster was never split")
}

// Golden vector 5.
func TestGoldenNumpyRandn(t *testing.T) {
	c := NewRandomState(3).Randn(15, 102)
	checks := []struct {
		row, col int
		want     float64
	}{
		{0, 0, 1.78862847}, {0, 1, 0.43650985}, {0, 2, 0.09649747}, {0, 3, -1.8634927}, {0, 4, -0.2773882}, {0, 5, -0.35475898},
		{1, 0, -0.07974094}, {1, 1, 0.56448552}, {1, 2, 1.23347104},
		{14, 99, 0.05664593}, {14, 100, 0.38389366}, {14, 101, -1.2590085},
	}
	for _, ch := range checks {
		if math.Abs(c[ch.row][ch.col]-ch.want) > 5e-8 {
			t.Errorf("randn[%d][%d] = %.8f, want %.8f", ch.row, ch.col, c[ch.row][ch.col], ch.want)
		}
	}
}

func TestEmptyBatchStillDecays(t *testing.T) {
	m := mustNew(t, [][]float64{{0}, {1}}, []float64{4, 2}, 0.5, Batches)
	m.Update(nil)
	wantState(t, m, [][]float64{{0}, {1}}, []float64{2, 1})
	m.DecayEmpty(3)
	wantState(t, m, [][]float64{{0}, {1}}, []float64{0.25, 0.125})
	p := mustNew(t, [][]float64{{0}, {1}}, []float64{4, 2}, 0.5, Points)
	p.DecayEmpty(5)
	wantState(t, p, [][]float64{{0}, {1}}, []float64{4, 2})
}

func TestHalfLife(t *testing.T) {
	if d := DecayForHalfLife(5); !near(math.Pow(d, 5), 0.5) {
		t.Fatalf("decay %v does not halve in 5", d)
	}
}

func TestKMeansPlusPlusSpreads(t *testing.T) {
	var points [][]float64
	for _, c := range []float64{0, 100, 200} {
		for i := range 50 {
			points = append(points, []float64{c + float64(i%5)*0.01})
		}
	}
	r := NewRandomState(1)
	centers := KMeansPlusPlus(points, 3, r.Float64)
	seen := map[int]bool{}
	for _, c := range centers {
		seen[int(math.Round(c[0]/100))] = true
	}
	if len(seen) != 3 {
		t.Fatalf("k-means++ picked %v: not one per group", centers)
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := New(nil, 1, 0.5, Batches); err == nil {
		t.Error("no centres accepted")
	}
	if _, err := New([][]float64{{0}}, 1, 1.5, Batches); err == nil {
		t.Error("decay > 1 accepted")
	}
	if _, err := New([][]float64{{0}, {0, 1}}, 1, 0.5, Batches); err == nil {
		t.Error("ragged centres accepted")
	}
	if _, err := New([][]float64{{0}}, 1, 0.5, "weeks"); err == nil {
		t.Error("bad unit accepted")
	}
}
