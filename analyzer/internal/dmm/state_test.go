package dmm

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/model/modeltest"
)

// stateRun trains on batches with a window of six, a gap of empty
// batches now and then, and records every post's cluster, the window's
// assignments and scores, and the clusters. With saveAt ≥ 0, the model
// is saved after that batch and a new one loaded from it carries on.
func stateRun(t *testing.T, o Options, batches [][]*model.Point, saveAt int) []string {
	t.Helper()
	return modeltest.StateRun(t, func() (*Model, error) { return New(o) },
		modeltest.Run{Window: 6, LullEvery: 13, LullAge: 8, Verb: "%v"}, batches, saveAt)
}

// TestStateCarriesOn: a model saved and loaded in the middle of a stream
// places every later post, scores it and names its clusters exactly as
// the model that was never stopped, drawing (Gibbs) or not.
func TestStateCarriesOn(t *testing.T) {
	batches := benchBatches(40, 40, 120)
	for _, gibbs := range []bool{false, true} {
		o := DefaultOptions()
		o.Gibbs, o.Seed = gibbs, 3
		modeltest.CarriesOn(t, fmt.Sprint("gibbs ", gibbs), func(at int) []string { return stateRun(t, o, batches, at) }, 2, 11, 12, 25)
	}
}

// TestStateRefusesAnotherWindow: a state given batches other than the
// ones the model held is refused, and the model is left as New made it.
func TestStateRefusesAnotherWindow(t *testing.T) {
	batches := benchBatches(10, 3, 50)
	m, _ := New(DefaultOptions())
	saved := modeltest.Trained(t, m, batches)
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

// failWriter fails every write after the first n bytes.
type failWriter struct{ n int }

var errFull = errors.New("disk full")

func (w *failWriter) Write(b []byte) (int, error) {
	if w.n -= len(b); w.n < 0 {
		return 0, errFull
	}
	return len(b), nil
}

// TestSaveStateKeepsLittle: saving a full window's model keeps no buffer
// the size of its state, nor its held batches' saved forms; a write that
// fails fails the save.
func TestSaveStateKeepsLittle(t *testing.T) {
	m, err := New(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, batch := range benchBatches(40, 6, 4000) {
		for _, p := range batch {
			m.Featurize(p)
		}
		m.Train(batch)
	}
	var buf bytes.Buffer
	if err := m.SaveState(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.Len() < 8*stateChunk {
		t.Fatalf("the state is %d bytes: too small to tell", buf.Len())
	}
	if c := cap(m.stateBuf); c > 4*stateChunk {
		t.Errorf("the model keeps a %d-byte buffer for a %d-byte state", c, buf.Len())
	}
	var again bytes.Buffer
	if err := m.SaveState(&again); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Fatalf("saved again: %v, same bytes %v", err, bytes.Equal(again.Bytes(), buf.Bytes()))
	}
	for _, n := range []int{0, stateChunk / 2, buf.Len() / 2, buf.Len() - 1} {
		if err := m.SaveState(&failWriter{n: n}); !errors.Is(err, errFull) {
			t.Errorf("a write failing after %d bytes: %v", n, err)
		}
	}
}
