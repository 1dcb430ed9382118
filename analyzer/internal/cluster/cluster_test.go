package cluster

import (
	"fmt"
	"github.com/geostream/geostream/analyzer/internal/model"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/embed"
	"github.com/geostream/geostream/analyzer/internal/features"
	"github.com/geostream/geostream/analyzer/internal/kmeans"
	"github.com/geostream/geostream/analyzer/internal/spherical"
)

func newModel(t *testing.T, k int, init Init) *Model {
	t.Helper()
	m, err := New(Options{K: k, Decay: 0.6, Unit: kmeans.Batches, Init: init, Seed: 3, Keywords: 3,
		Exclude: []string{"tracked"},
		Features: features.Extractor{Embed: embed.DefaultHashed, Profile: features.Default, TextWeight: 1, GeoWeight: 0.5,
			IDF: features.NewIDF(1 << 12)}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// newSpherical is the default model: spherical k-means over TF-IDF words
// and place.
func newSpherical(t *testing.T, k int) *Model {
	t.Helper()
	m, err := New(Options{K: k, Decay: 0.6, Unit: kmeans.Batches, Seed: 3, Keywords: 3,
		Exclude:   []string{"tracked"},
		Spherical: &spherical.Options{Text: 1, Geo: DefaultGeoWeight},
		Sparse:    features.Sparse{Buckets: 1 << 12, Hashtag: DefaultHashtagWeight}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// topics are three well-separated themes in three places.
var topics = []struct {
	lon, lat float64
	text     string
}{
	{-90.07, 29.95, "game bowl halftime touchdown tracked"},
	{2.35, 48.85, "rain storm flood umbrella tracked"},
	{139.69, 35.68, "anime manga episode studio tracked"},
}

func batch(m *Model, n, offset int) []*model.Point {
	var out []*model.Point
	for i := range n {
		tp := topics[(i+offset)%3]
		p := &model.Point{ID: fmt.Sprint(i), Lon: tp.lon + float64(i%7)*0.01, Lat: tp.lat, Text: tp.text, Cluster: -1}
		m.Prepare(p)
		out = append(out, p)
	}
	return out
}

func TestClustersSeparateTopics(t *testing.T) {
	t.Run("spark", func(t *testing.T) { testSeparateTopics(t, newModel(t, 3, InitKMeansPP)) })
	t.Run("spherical", func(t *testing.T) { testSeparateTopics(t, newSpherical(t, 3)) })
}

func testSeparateTopics(t *testing.T, m *Model) {
	for b := range 5 {
		m.Train(batch(m, 60, b))
	}
	win := batch(m, 90, 0)
	sums := m.Assign(win)
	if len(sums) != 3 {
		t.Fatalf("got %d clusters, want 3: %+v", len(sums), sums)
	}
	for i, p := range win {
		if p.Cluster != win[i%3].Cluster {
			t.Fatalf("tweets of one topic split across clusters")
		}
	}
	for _, s := range sums {
		if s.Size != 30 || len(s.Keywords) != 3 {
			t.Fatalf("summary %+v", s)
		}
		for _, w := range s.Keywords {
			if w == "tracked" {
				t.Fatal("excluded word shown as a keyword")
			}
		}
	}
}

func TestRandomInitMatchesNumpy(t *testing.T) {
	m := newModel(t, 15, InitRandom)
	want := kmeans.NewRandomState(3).Randn(15, embed.DefaultHashed.D+3)
	if m.km.Centers[0][0] != want[0][0] || m.km.Centers[14][5] != want[14][5] {
		t.Fatal("random init is not RandomState(seed).randn(k, dim)")
	}
}

func TestKMeansPPWaitsForEnoughPoints(t *testing.T) {
	m := newModel(t, 15, InitKMeansPP)
	m.Train(batch(m, 5, 0))
	if m.Ready() {
		t.Fatal("seeded 15 centres from 5 points")
	}
	if sums := m.Assign(batch(m, 3, 0)); sums != nil {
		t.Fatal("assigned before the model had centres")
	}
	m.Train(batch(m, 20, 0))
	if !m.Ready() {
		t.Fatal("not seeded after 25 points")
	}
}

func TestValidate(t *testing.T) {
	good := Options{K: 3, Decay: 0.6, Unit: kmeans.Batches, Init: InitRandom,
		Features: features.Extractor{Embed: embed.DefaultHashed, Profile: features.Default}}
	for name, mutate := range map[string]func(*Options){
		"k zero": func(o *Options) { o.K = 0 }, "decay above one": func(o *Options) { o.Decay = 2 },
		"bad unit": func(o *Options) { o.Unit = "days" }, "bad init": func(o *Options) { o.Init = "best" },
		"bad profile": func(o *Options) { o.Features.Profile = "fancy" }, "negative weight": func(o *Options) { o.Features.GeoWeight = -1 },
	} {
		o := good
		mutate(&o)
		if _, err := New(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParallelAssignMatchesSequential(t *testing.T) {
	t.Run("spark", func(t *testing.T) { testParallelAssign(t, newModel(t, 3, InitKMeansPP)) })
	t.Run("spherical", func(t *testing.T) { testParallelAssign(t, newSpherical(t, 3)) })
}

func testParallelAssign(t *testing.T, m *Model) {
	for b := range 3 {
		m.Train(batch(m, 60, b))
	}
	win := batch(m, parallelMin+101, 0) // large enough for two goroutines
	sums := m.Assign(win)
	seq := make([]acc, 3)
	clusters := make([]int, len(win))
	for i, p := range win {
		clusters[i] = p.Cluster
	}
	var cs *centres32
	if m.km != nil {
		c := newCentres32(m.km)
		cs = &c
	}
	m.assignPart(win, seq, cs, nil)
	for i, p := range win {
		if p.Cluster != clusters[i] {
			t.Fatalf("point %d: parallel %d, sequential %d", i, clusters[i], p.Cluster)
		}
	}
	total := 0
	for _, s := range sums {
		if s.Size != seq[s.ID].n {
			t.Fatalf("cluster %d: parallel size %d, sequential %d", s.ID, s.Size, seq[s.ID].n)
		}
		total += s.Size
	}
	if total != len(win) {
		t.Fatalf("sizes add to %d of %d", total, len(win))
	}
}

// The float32 first pass picks exactly what the model's Predict picks, or
// defers to it: on random points, on points halfway between two centres,
// on the centres themselves and on a centre given twice.
func TestCentres32AgreeWithPredict(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	const k, dim = 15, 131
	centres := make([][]float64, k)
	for i := range centres {
		centres[i] = make([]float64, dim)
		for j := range centres[i] {
			centres[i][j] = r.NormFloat64() * 0.3
		}
	}
	centres[7] = append([]float64(nil), centres[3]...) // a duplicate: an exact tie
	km, err := kmeans.New(centres, 1, 0.6, kmeans.Batches)
	if err != nil {
		t.Fatal(err)
	}
	cs := newCentres32(km)
	var points [][]float32
	for range 20000 {
		p := make([]float32, dim)
		for j := range p {
			p[j] = float32(r.NormFloat64() * 0.4)
		}
		points = append(points, p)
	}
	for a := 0; a < k; a++ {
		for b := a + 1; b < k; b++ {
			mid := make([]float32, dim)
			for j := range mid {
				mid[j] = float32((centres[a][j] + centres[b][j]) / 2)
			}
			points = append(points, mid)
		}
		c := make([]float32, dim)
		for j := range c {
			c[j] = float32(centres[a][j])
		}
		points = append(points, c, make([]float32, dim))
	}
	deferred := 0
	var x []float64
	for i, p := range points {
		x = widen(x, p)
		want := km.Predict(x)
		got := cs.nearest(p)
		if got < 0 {
			if want != 3 { // 3 and 7 are the same centre: all its points tie
				deferred++
			}
			continue
		}
		if got != want {
			t.Fatalf("point %d: float32 pass chose %d, Predict %d", i, got, want)
		}
	}
	if deferred < k-2 || deferred > len(points)/100 {
		t.Fatalf("%d of %d points deferred to float64 (the halfway points alone are about %d)", deferred, len(points), k*(k-1)/2)
	}
}

func TestExamplesAreTheTweetsNearestTheCentre(t *testing.T) {
	t.Run("spark", func(t *testing.T) { testExamples(t, newModel(t, 3, InitKMeansPP)) })
	t.Run("spherical", func(t *testing.T) { testExamples(t, newSpherical(t, 3)) })
}

func testExamples(t *testing.T, m *Model) {
	for b := range 5 {
		m.Train(batch(m, 60, b))
	}
	win := batch(m, 30, 0)
	if sums := m.Assign(win); sums[0].Examples != nil {
		t.Fatalf("examples without being asked: %+v", sums[0].Examples)
	}
	m.opts.Examples = 3
	// Each topic gets tweets that stray from it, in words and in place:
	// they are farther from the centre than the topic's own tweets.
	for i, tp := range topics {
		p := &model.Point{ID: fmt.Sprint("stray", i), Lon: tp.lon + 3, Lat: tp.lat - 2,
			Text: tp.text + " lunch coffee traffic", Cluster: -1}
		m.Prepare(p)
		win = append(win, p)
	}
	check := func(name string, sums []model.ClusterSummary) {
		t.Helper()
		for _, s := range sums {
			if len(s.Examples) != 3 {
				t.Fatalf("%s: cluster %d has %d examples, want 3", name, s.ID, len(s.Examples))
			}
			// Brute force: every point's score against its own cluster.
			var want []near
			for _, p := range win {
				if p.Cluster == s.ID {
					var scratch []float64
					var cs *centres32
					if m.km != nil {
						c := newCentres32(m.km)
						cs = &c
					}
					_, sc := m.predict(p, cs, &scratch, true)
					want = append(want, near{p, sc})
				}
			}
			sort.Slice(want, func(i, j int) bool { return want[i].before(want[j]) })
			for i, e := range s.Examples {
				if e.ID != want[i].p.ID || e.Text != want[i].p.Text || e.Lon != want[i].p.Lon {
					t.Fatalf("%s: cluster %d example %d is %+v, want %s", name, s.ID, i, e, want[i].p.ID)
				}
				if strings.HasPrefix(e.ID, "stray") {
					t.Fatalf("%s: a stray tweet is an example of cluster %d: %+v", name, s.ID, s.Examples)
				}
			}
		}
	}
	check("small window", m.Assign(win))
	// The first half is this window padded with copies of its tweets
	// under ids that sort last; the second half the same tweets under ids
	// that sort first. Ties go to the second half's, so the halves'
	// examples must be merged.
	copies := func(prefix string, n int) []*model.Point {
		var out []*model.Point
		for len(out) < n {
			for _, p := range batch(m, 90, 0) {
				p.ID = fmt.Sprint(prefix, len(out))
				out = append(out, p)
			}
		}
		return out[:n]
	}
	big := append(append([]*model.Point(nil), win...), copies("z", parallelMin-len(win))...)
	big = append(big, copies("!", parallelMin)...)
	win = big
	check("two halves", m.Assign(big))
}
