// Package modeltest has helpers for the tests of the clustering models
// (kmeans, spherical, dmm): a stream of posts to train on, and a run that
// saves a model's state in the middle of a stream and carries on from it,
// to hold against a run that never stopped.
package modeltest

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/shared/tweet"
)

// WithID sets p's id and returns p, for a point written as a literal.
func WithID(p *model.Point, id string) *model.Point {
	p.SetID(id)
	return p
}

// WithTokens sets p's words and returns p, for a point written as a
// literal.
func WithTokens(p *model.Point, ws []string) *model.Point {
	p.SetTokens(ws)
	return p
}

// Stream makes n batches of posts on shifting topics in a few places; the
// first three batches are too small to seed a model, and batch 20 is half
// one topic in one place (a split).
func Stream(n int) [][]*model.Point {
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
			p := WithID(&model.Point{Lon: pl[0] + r.Float64(), Lat: pl[1] + r.Float64(), Located: tweet.GeoPoint, Cluster: -1}, fmt.Sprint(b, "-", i))
			p.SetTokens([]string{words[3*topic%len(words)+r.IntN(3)], words[r.IntN(len(words))]})
			if b == 20 && i%2 == 0 { // one topic takes a batch: a split
				p.Lon, p.Lat = places[0][0], places[0][1]
				p.SetTokens([]string{"#quake", "fire"})
			}
			out[b] = append(out[b], p)
		}
	}
	return out
}

// Copy copies batches as a checkpoint gives them back: new points with
// the same fields.
func Copy(bs [][]*model.Point) [][]*model.Point {
	out := make([][]*model.Point, len(bs))
	for i, b := range bs {
		for _, p := range b {
			c := *p
			out[i] = append(out[i], &c)
		}
	}
	return out
}

// Model is what the helpers need of a clustering model.
type Model interface {
	Featurize(p *model.Point)
	Train(batch []*model.Point)
	Forget(batch []*model.Point)
	Age(n int64)
	Assign(points []*model.Point, scores []float64)
	Clusters() []model.Lineage
	SaveState(w io.Writer) error
	LoadState(r io.Reader, held [][]*model.Point) error
}

// Run is how StateRun feeds a model.
type Run struct {
	// Window is how many batches the window holds; the oldest is
	// forgotten when a new one would make more.
	Window int
	// After every LullEvery-1 batches comes a lull: the window's batches
	// are forgotten, the window empties and the model ages LullAge
	// batches.
	LullEvery int
	LullAge   int64
	// Verb is how the clusters are logged: "%#v" tells a cluster with no
	// From from one with an empty From, "%v" does not.
	Verb string
}

// StateRun trains a model that newModel makes on copies of batches as r
// says, and logs, after each batch, every post of the window with its
// cluster and score, and then the clusters. With saveAt ≥ 0 the model is
// saved after that batch and a new one, loaded from the state and given
// copies of the batches held, carries on. A model that is an io.Closer is
// closed at the end.
func StateRun[M Model](t testing.TB, newModel func() (M, error), r Run, batches [][]*model.Point, saveAt int) []string {
	t.Helper()
	m, err := newModel()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if c, ok := any(m).(io.Closer); ok {
			_ = c.Close()
		}
	}()
	var log []string
	var held [][]*model.Point
	for b, batch := range Copy(batches) {
		for _, p := range batch {
			m.Featurize(p)
		}
		if len(held) == r.Window {
			m.Forget(held[0])
			held = held[1:]
		}
		if b%r.LullEvery == r.LullEvery-1 { // a lull: the window empties
			for _, h := range held {
				m.Forget(h)
			}
			held = nil
			m.Age(r.LullAge)
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
		log = append(log, fmt.Sprintf(r.Verb, m.Clusters()))
		if b == saveAt {
			var buf bytes.Buffer
			if err := m.SaveState(&buf); err != nil {
				t.Fatal(err)
			}
			if m, err = newModel(); err != nil {
				t.Fatal(err)
			}
			held = Copy(held)
			if err := m.LoadState(&buf, held); err != nil {
				t.Fatal(err)
			}
		}
	}
	return log
}

// Trained trains m on batches and returns its saved state.
func Trained(t testing.TB, m Model, batches [][]*model.Point) []byte {
	t.Helper()
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
	return buf.Bytes()
}

// CarriesOn fails t, naming the case and the first line that differs, if
// a run saved after any of the batches at does not log what the run that
// was never stopped, run(-1), logs.
func CarriesOn(t testing.TB, name string, run func(saveAt int) []string, at ...int) {
	t.Helper()
	want := run(-1)
	for _, a := range at {
		if got := run(a); !slices.Equal(got, want) {
			i := 0
			for i < min(len(got), len(want)) && got[i] == want[i] {
				i++
			}
			t.Fatalf("%s, saved after batch %d: differs at line %d of %d", name, a, i, len(want))
		}
	}
}

// Feed gives m the batches one after another, each featurized, trained on
// and assigned.
func Feed(m Model, batches [][]*model.Point) {
	for _, batch := range batches {
		for _, p := range batch {
			m.Featurize(p)
		}
		m.Train(batch)
		m.Assign(batch, make([]float64, len(batch)))
	}
}
