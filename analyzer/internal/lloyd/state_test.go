package lloyd

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/model"
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
			out[w] = append(out[w], &model.Point{ID: fmt.Sprint(w, "-", i), Tokens: []string{topics[t][i%3], topics[t][(i+1)%3]},
				Lon: places[t][0] + float64(i%5)/10, Lat: places[t][1], Located: tweet.GeoPoint, Cluster: -1})
		}
	}
	return out
}

// TestStateCarriesOn: saved and loaded between windows, the model gives
// the later windows the clusters, ids and scores of one never stopped.
func TestStateCarriesOn(t *testing.T) {
	run := func(saveAt int) []string {
		c, err := New(DefaultSettings())
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
				c, _ = New(DefaultSettings())
				if err := c.LoadState(&b, nil); err != nil {
					t.Fatal(err)
				}
			}
		}
		return log
	}
	if want, got := run(-1), run(2); !slices.Equal(got, want) {
		t.Fatal("the model saved and loaded clusters the later windows otherwise")
	}
	s := DefaultSettings()
	s.IDF = true
	c, _ := New(s)
	if c.Stateful() == nil || c.SaveState(&bytes.Buffer{}) == nil {
		t.Error("a model that learns its word weights claims to save its state")
	}
}
