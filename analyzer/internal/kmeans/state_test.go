package kmeans

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/embed"
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/shared/tweet"
)

// stream makes n batches of posts on shifting topics in a few places; the
// first batches are too small to seed the model.
func stream(n int) [][]*model.Point {
	r := rand.New(rand.NewPCG(7, 7))
	words := []string{"rain", "storm", "flood", "goal", "match", "cup", "vote", "poll", "party", "#quake", "fire", "smoke", "train", "late", "strike"}
	places := [][2]float64{{2.35, 48.85}, {-74, 40.7}, {139.7, 35.7}, {-0.1, 51.5}, {151.2, -33.9}}
	out := make([][]*model.Point, n)
	for b := range out {
		size := 40 + r.IntN(40)
		if b < 3 {
			size = 6
		}
		for i := range size {
			topic := (r.IntN(5) + b/8) % 5
			pl := places[(topic+r.IntN(2))%len(places)]
			p := &model.Point{ID: fmt.Sprint(b, "-", i), Lon: pl[0] + r.Float64(), Lat: pl[1] + r.Float64(), Located: tweet.GeoPoint, Cluster: -1,
				Tokens: []string{words[3*topic%len(words)+r.IntN(3)], words[r.IntN(len(words))]}}
			if b == 20 && i%2 == 0 { // one topic takes a batch: a split
				p.Tokens, p.Lon, p.Lat = []string{"#quake", "fire"}, places[0][0], places[0][1]
			}
			out[b] = append(out[b], p)
		}
	}
	return out
}

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

// stateRun trains on the batches with a window of three, a lull now and
// then, and logs every post's cluster and score and the clusters; with
// saveAt ≥ 0 the model is saved after that batch and a new one carries
// on from the state.
func stateRun(t *testing.T, s Settings, batches [][]*model.Point, saveAt int) []string {
	t.Helper()
	c, err := NewClusterer(s)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	var log []string
	var held [][]*model.Point
	for b, batch := range copyBatches(batches) {
		for _, p := range batch {
			c.Featurize(p)
		}
		if len(held) == 3 {
			c.Forget(held[0])
			held = held[1:]
		}
		if b%17 == 16 {
			held = nil
			c.Age(5)
		}
		c.Train(batch)
		held = append(held, batch)
		var window []*model.Point
		for _, h := range held {
			window = append(window, h...)
		}
		scores := make([]float64, len(window))
		c.Assign(window, scores)
		for i, p := range window {
			log = append(log, fmt.Sprintf("%d:%d:%.12g", b, p.Cluster, scores[i]))
		}
		log = append(log, fmt.Sprintf("%#v", c.Clusters()))
		if b == saveAt {
			var buf bytes.Buffer
			if err := c.SaveState(&buf); err != nil {
				t.Fatal(err)
			}
			if c, err = NewClusterer(s); err != nil {
				t.Fatal(err)
			}
			held = copyBatches(held)
			if err := c.LoadState(&buf, held); err != nil {
				t.Fatal(err)
			}
		}
	}
	return log
}

// offline are the default settings without online word vectors, which
// keep the model from checkpoints.
func offline() Settings {
	s := DefaultSettings()
	s.Vectors.Online = embed.Switch{Given: true, On: false}
	return s
}

// TestStateCarriesOn: a model saved and loaded anywhere in a stream, even
// before it is seeded, places, scores and names every later post's
// cluster as the model never stopped does: seeded by k-means++ with
// --idf (the default), or at random with the original's features.
func TestStateCarriesOn(t *testing.T) {
	batches := stream(45)
	seed := offline()
	seed.Profile, seed.HalfLife = "seed", 2
	points := offline()
	points.Unit, points.IDF = Points, false
	for name, s := range map[string]Settings{"default": offline(), "seed": seed, "points": points} {
		want := stateRun(t, s, batches, -1)
		for _, at := range []int{0, 1, 2, 5, 16, 20, 33} {
			if got := stateRun(t, s, batches, at); !slices.Equal(got, want) {
				i := 0
				for i < min(len(got), len(want)) && got[i] == want[i] {
					i++
				}
				t.Fatalf("%s, saved after batch %d: differs at line %d of %d", name, at, i, len(want))
			}
		}
	}
}

// trained is a model trained on a few batches, and its saved state.
func trained(t testing.TB, s Settings) (*Clusterer, []byte) {
	c, err := NewClusterer(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range stream(8) {
		for _, p := range b {
			c.Featurize(p)
		}
		c.Train(b)
	}
	var buf bytes.Buffer
	if err := c.SaveState(&buf); err != nil {
		t.Fatal(err)
	}
	return c, buf.Bytes()
}

// TestStateRefusesWhatDoesNotFit: a state cut short, of another layout,
// or of a model with other settings is refused, and the model is left as
// NewClusterer made it.
func TestStateRefusesWhatDoesNotFit(t *testing.T) {
	s := offline()
	_, saved := trained(t, s)
	other := offline()
	other.K = 10
	noIDF := offline()
	noIDF.IDF = false
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
		rng, idf := c.rng, c.feat.IDF
		if err := c.LoadState(bytes.NewReader(tc.state), nil); err == nil {
			t.Errorf("%s: loaded", name)
		}
		if c.rng != rng || c.feat.IDF != idf || c.km != nil || len(c.pending) != 0 || len(c.Clusters()) != 0 {
			t.Errorf("%s: the refused state was half loaded", name)
		}
	}
}

// TestStateOnlineVectorsRefused: online word vectors (the default) keep
// the model from checkpoints, and it says so.
func TestStateOnlineVectorsRefused(t *testing.T) {
	c, err := NewClusterer(DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if c.Stateful() == nil || c.SaveState(&bytes.Buffer{}) == nil {
		t.Error("a model with online word vectors claims to save its state")
	}
}

// FuzzLoadState: whatever it is given, LoadState does not panic, and a
// state it takes carries on.
func FuzzLoadState(f *testing.F) {
	s := offline()
	s.K = 4
	_, saved := trained(f, s)
	f.Add(saved)
	f.Add(saved[:len(saved)/3])
	f.Fuzz(func(t *testing.T, b []byte) {
		c, _ := NewClusterer(s)
		defer func() { _ = c.Close() }()
		if c.LoadState(bytes.NewReader(b), nil) != nil {
			return
		}
		for _, batch := range stream(5)[3:] {
			for _, p := range batch {
				c.Featurize(p)
			}
			c.Train(batch)
			c.Assign(batch, make([]float64, len(batch)))
		}
	})
}
