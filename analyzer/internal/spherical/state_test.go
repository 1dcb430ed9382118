package spherical

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/embed"
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/model/modeltest"
)

// stateRun trains on the batches with a window of three, a lull now and
// then, and logs every post's cluster and score and the clusters; with
// saveAt ≥ 0 the model is saved after that batch and a new one carries
// on from the state.
func stateRun(t *testing.T, s Settings, batches [][]*model.Point, saveAt int) []string {
	t.Helper()
	return modeltest.StateRun(t, func() (*Clusterer, error) { return NewClusterer(s) },
		modeltest.Run{Window: 3, LullEvery: 17, LullAge: 5, Verb: "%#v"}, batches, saveAt)
}

// TestStateCarriesOn: a model saved and loaded anywhere in a stream, even
// before it is seeded, places, scores and names every later post's
// cluster as the model never stopped does, with --idf or without.
func TestStateCarriesOn(t *testing.T) {
	batches := modeltest.Stream(45)
	for _, idf := range []bool{false, true} {
		s := DefaultSettings()
		s.IDF = idf
		modeltest.CarriesOn(t, fmt.Sprint("idf ", idf), func(at int) []string { return stateRun(t, s, batches, at) }, 0, 1, 2, 5, 16, 20, 33)
	}
}

// trained is a model trained on a few batches, and its saved state.
func trained(t testing.TB, s Settings) (*Clusterer, []byte) {
	c, err := NewClusterer(s)
	if err != nil {
		t.Fatal(err)
	}
	return c, modeltest.Trained(t, c, modeltest.Stream(8))
}

// TestStateRefusesWhatDoesNotFit: a state cut short, of another layout,
// or of a model with other settings is refused, and the model is left as
// NewClusterer made it.
func TestStateRefusesWhatDoesNotFit(t *testing.T) {
	s := DefaultSettings()
	s.IDF = true
	_, saved := trained(t, s)
	other := DefaultSettings()
	other.K = 10
	noIDF := DefaultSettings()
	for name, tc := range map[string]struct {
		s     Settings
		state []byte
	}{
		"cut short":       {s, saved[:len(saved)-3]},
		"cut in half":     {s, saved[:len(saved)/2]},
		"another layout":  {s, append([]byte{stateVersion + 1}, saved[1:]...)},
		"a byte too many": {s, append(slices.Clone(saved), 0)},
		"another k":       {other, saved},
		"without --idf":   {noIDF, saved},
	} {
		c, _ := NewClusterer(tc.s)
		core, idf := c.core, c.feat.IDF
		if err := c.LoadState(bytes.NewReader(tc.state), nil); err == nil {
			t.Errorf("%s: loaded", name)
		}
		if c.core != core || c.feat.IDF != idf || c.core.Ready() || len(c.Clusters()) != 0 {
			t.Errorf("%s: the refused state was half loaded", name)
		}
	}
}

// TestStateOnlineVectorsRefused: online word vectors keep the model from
// checkpoints, and it says so.
func TestStateOnlineVectorsRefused(t *testing.T) {
	s := DefaultSettings()
	s.Dense = 1
	s.Vectors.Online = embed.Switch{Given: true, On: true}
	c, err := NewClusterer(s)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Stateful() == nil || c.SaveState(&bytes.Buffer{}) == nil {
		t.Error("a model with online word vectors claims to save its state")
	}
}

// FuzzLoadState: whatever it is given, LoadState does not panic, and a
// state it takes carries on.
func FuzzLoadState(f *testing.F) {
	s := DefaultSettings()
	s.K = 4
	_, saved := trained(f, s)
	f.Add(saved)
	f.Add(saved[:len(saved)/3])
	f.Fuzz(func(t *testing.T, b []byte) {
		c, _ := NewClusterer(s)
		if c.LoadState(bytes.NewReader(b), nil) != nil {
			return
		}
		modeltest.Feed(c, modeltest.Stream(5)[3:])
	})
}
