package kmeans

import (
	"fmt"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/embed"
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/model/modeltest"
	"github.com/geostream/geostream/shared/tweet"
)

func newClusterer(t *testing.T, mutate func(*Settings)) *Clusterer {
	t.Helper()
	s := DefaultSettings()
	s.Vectors.Online = embed.Switch{Given: true, On: false}
	mutate(&s)
	c, err := NewClusterer(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func points(c *Clusterer, n int, placed bool) []*model.Point {
	var out []*model.Point
	for i := range n {
		p := modeltest.WithTokens(modeltest.WithID(&model.Point{Lon: float64(i % 5), Lat: float64(i % 3)}, fmt.Sprint(i)), []string{"w", fmt.Sprint("x", i%4)})
		if placed {
			p.Located = tweet.GeoPoint
		}
		c.Featurize(p)
		out = append(out, p)
	}
	return out
}

func TestRandomInitMatchesNumpy(t *testing.T) {
	c := newClusterer(t, func(s *Settings) { s.Init = InitRandom })
	want := NewRandomState(3).Randn(15, embed.DefaultHashed.D+3)
	if c.km.Centers[0][0] != want[0][0] || c.km.Centers[14][5] != want[14][5] {
		t.Fatal("random init is not RandomState(seed).randn(k, dim)")
	}
}

func TestKMeansPPWaitsForEnoughPoints(t *testing.T) {
	c := newClusterer(t, func(*Settings) {})
	c.Train(points(c, 5, true))
	if c.Clusters() != nil {
		t.Fatal("seeded 15 centres from 5 points")
	}
	pts := points(c, 3, true)
	c.Assign(pts, nil)
	for _, p := range pts {
		if p.Cluster != -1 {
			t.Fatal("assigned before the model had centres")
		}
	}
	c.Train(points(c, 20, true))
	if len(c.Clusters()) != 15 {
		t.Fatal("not seeded after 25 points")
	}
}

// TestSeedProfileClustersPlacedPostsOnly: the original tool's features
// are [lon, lat, words]: a post without a place gets none and is never
// clustered; with the default features it is clustered by its words.
func TestSeedProfileClustersPlacedPostsOnly(t *testing.T) {
	seed := newClusterer(t, func(s *Settings) { s.Profile = "seed" })
	def := newClusterer(t, func(*Settings) {})
	for name, c := range map[string]*Clusterer{"seed": seed, "default": def} {
		c.Train(points(c, 40, true))
		pts := points(c, 4, false)
		c.Assign(pts, nil)
		for _, p := range pts {
			if name == "seed" && (p.Vec() != nil || p.Cluster != -1) || name == "default" && p.Cluster < 0 {
				t.Fatalf("%s profile: an unplaced post got cluster %d", name, p.Cluster)
			}
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	for name, mutate := range map[string]func(*Settings){
		"k zero": func(s *Settings) { s.K = 0 }, "decay above one": func(s *Settings) { s.Decay = 2 },
		"bad unit": func(s *Settings) { s.Unit = "days" }, "bad init": func(s *Settings) { s.Init = "best" },
		"bad profile": func(s *Settings) { s.Profile = "fancy" }, "negative weight": func(s *Settings) { s.GeoWeight = -1 },
		"a seed numpy cannot take": func(s *Settings) { s.Seed = 1 << 40 },
	} {
		s := DefaultSettings()
		mutate(&s)
		if _, err := NewClusterer(s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
