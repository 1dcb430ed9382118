package lloyd

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/model/modeltest"
	"github.com/geostream/geostream/shared/tweet"
)

// windowsOf makes n windows of posts on three topics in three places.
func windowsOf(n int) [][]*model.Point {
	topics := [][]string{{"rain", "storm", "flood"}, {"goal", "match", "cup"}, {"vote", "poll", "party"}}
	places := [][2]float64{{2.35, 48.85}, {-74, 40.7}, {139.7, 35.7}}
	out := make([][]*model.Point, n)
	for w := range out {
		for i := range 60 {
			t := (i + w) % 3
			out[w] = append(out[w], modeltest.WithTokens(modeltest.WithID(&model.Point{
				Lon: places[t][0] + float64(i%5)/10, Lat: places[t][1], Located: tweet.GeoPoint, Cluster: -1}, fmt.Sprint(w, "-", i)), []string{topics[t][i%3], topics[t][(i+1)%3]}))
		}
	}
	return out
}

// TestStateCarriesOn: saved and loaded between windows, the model gives
// the later windows the clusters, ids and scores of one never stopped.
func TestStateCarriesOn(t *testing.T) {
	for _, idf := range []bool{false, true} {
		s := DefaultSettings()
		s.IDF = idf
		stateCarriesOn(t, s)
	}
}

// stateCarriesOn: saved and loaded between windows, the model with
// settings s gives the later windows the clusters, ids and scores of one
// never stopped.
func stateCarriesOn(t *testing.T, s Settings) {
	run := func(saveAt int) []string {
		c, err := New(s)
		if err != nil {
			t.Fatal(err)
		}
		var log []string
		for w, pts := range windowsOf(6) {
			for _, p := range pts {
				c.Featurize(p)
			}
			c.Fit(pts)
			scores := make([]float64, len(pts))
			c.Assign(pts, scores)
			for i, p := range pts {
				log = append(log, fmt.Sprintf("%d:%d:%.9g", w, p.Cluster, scores[i]))
			}
			log = append(log, fmt.Sprint(c.Clusters()))
			if w == saveAt {
				var b bytes.Buffer
				if err := c.SaveState(&b); err != nil {
					t.Fatal(err)
				}
				c, _ = New(s)
				if err := c.LoadState(&b, nil); err != nil {
					t.Fatal(err)
				}
			}
		}
		return log
	}
	if want, got := run(-1), run(2); !slices.Equal(got, want) {
		t.Fatalf("idf %v: the model saved and loaded clusters the later windows otherwise", s.IDF)
	}
}

// TestStateRefusesWhatDoesNotFit: a state cut short, of another layout,
// or saved with another --idf is refused, and the model's ids start
// where New put them.
func TestStateRefusesWhatDoesNotFit(t *testing.T) {
	s := DefaultSettings()
	s.IDF = true
	c, _ := New(s)
	for _, pts := range windowsOf(2) {
		for _, p := range pts {
			c.Featurize(p)
		}
		c.Fit(pts)
	}
	var b bytes.Buffer
	if err := c.SaveState(&b); err != nil {
		t.Fatal(err)
	}
	saved := b.Bytes()
	for name, tc := range map[string]struct {
		idf   bool
		state []byte
	}{
		"cut short":      {true, saved[:len(saved)-2]},
		"another layout": {true, append([]byte{stateVersion + 1}, saved[1:]...)},
		"without --idf":  {false, saved},
	} {
		o := DefaultSettings()
		o.IDF = tc.idf
		fresh, _ := New(o)
		if err := fresh.LoadState(bytes.NewReader(tc.state), nil); err == nil {
			t.Errorf("%s: loaded", name)
		}
		if fresh.next != 0 {
			t.Errorf("%s: the refused state was half loaded", name)
		}
	}
}

// FuzzLoadState: whatever it is given, LoadState does not panic.
func FuzzLoadState(f *testing.F) {
	c, _ := New(DefaultSettings())
	var b bytes.Buffer
	if err := c.SaveState(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		c, _ := New(DefaultSettings())
		if c.LoadState(bytes.NewReader(b), nil) == nil {
			pts := windowsOf(1)[0]
			for _, p := range pts {
				c.Featurize(p)
			}
			c.Fit(pts)
			c.Assign(pts, nil)
		}
	})
}
