package dmm

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/model"
)

// copyBatches copies points as a checkpoint gives them back: new points
// with the same fields.
func copyBatches(bs [][]*model.Point) [][]*model.Point {
	out := make([][]*model.Point, len(bs))
	for i, b := range bs {
		for _, p := range b {
			c := *p
			out[i] = append(out[i], &c)
		}
	}
	return out
}

// stateRun trains on batches with a window of six, a gap of empty
// batches now and then, and records every post's cluster, the window's
// assignments and scores, and the clusters. With saveAt ≥ 0, the model
// is saved after that batch and a new one loaded from it carries on.
func stateRun(t *testing.T, o Options, batches [][]*model.Point, saveAt int) []string {
	t.Helper()
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	var log []string
	var held [][]*model.Point
	for b, batch := range copyBatches(batches) {
		for _, p := range batch {
			m.Featurize(p)
		}
		if len(held) == 6 {
			m.Forget(held[0])
			held = held[1:]
		}
		if b%13 == 12 { // a lull: the window empties, the clusters end
			for _, h := range held {
				m.Forget(h)
			}
			held = nil
			m.Age(8)
		}
		m.Train(batch)
		held = append(held, batch)
		var window []*model.Point
		for _, h := range held {
			window = append(window, h...)
		}
		scores := make([]float64, len(window))
		m.Assign(window, scores)
		for i, p := range window {
			log = append(log, fmt.Sprintf("%d:%d:%.12g", b, p.Cluster, scores[i]))
		}
		log = append(log, fmt.Sprint(m.Clusters()))
		if b == saveAt {
			var buf bytes.Buffer
			if err := m.SaveState(&buf); err != nil {
				t.Fatal(err)
			}
			if m, err = New(o); err != nil {
				t.Fatal(err)
			}
			held = copyBatches(held)
			if err := m.LoadState(&buf, held); err != nil {
				t.Fatal(err)
			}
		}
	}
	return log
}

// TestStateCarriesOn: a model saved and loaded in the middle of a stream
// places every later post, scores it and names its clusters exactly as
// the model that was never stopped, drawing (Gibbs) or not.
func TestStateCarriesOn(t *testing.T) {
	batches := benchBatches(40, 40, 120)
	for _, gibbs := range []bool{false, true} {
		o := DefaultOptions()
		o.Gibbs, o.Seed = gibbs, 3
		want := stateRun(t, o, batches, -1)
		for _, at := range []int{2, 11, 12, 25} {
			got := stateRun(t, o, batches, at)
			if i := slices.IndexFunc(got, func(s string) bool { return !slices.Contains(want, s) }); !slices.Equal(got, want) {
				t.Fatalf("gibbs %v, saved after batch %d: differs (first at %d of %d)", gibbs, at, i, len(want))
			}
		}
	}
}

// TestStateRefusesAnotherWindow: a state given batches other than the
// ones the model held is refused, and the model is left as New made it.
func TestStateRefusesAnotherWindow(t *testing.T) {
	batches := benchBatches(10, 3, 50)
	m, _ := New(DefaultOptions())
	for _, b := range batches {
		for _, p := range b {
			m.Featurize(p)
		}
		m.Train(b)
	}
	var buf bytes.Buffer
	if err := m.SaveState(&buf); err != nil {
		t.Fatal(err)
	}
	saved := buf.Bytes()
	for name, held := range map[string][][]*model.Point{
		"a batch short": batches[:2],
		"a post short":  {batches[0], batches[1], batches[2][1:]},
	} {
		fresh, _ := New(DefaultOptions())
		if err := fresh.LoadState(bytes.NewReader(saved), held); err == nil {
			t.Errorf("%s: loaded", name)
		}
		if fresh.Len() != 0 || len(fresh.held) != 0 {
			t.Errorf("%s: the refused state was half loaded", name)
		}
	}
	fresh, _ := New(DefaultOptions())
	if err := fresh.LoadState(bytes.NewReader(saved[:len(saved)/2]), batches); err == nil {
		t.Error("a state cut in half loaded")
	}
}
