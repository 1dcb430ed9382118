package cluster

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/model/modeltest"
	"github.com/geostream/geostream/shared/tweet"
)

// newModel returns the named algorithm with k clusters (where it has a k)
// behind a Model that labels with 3 keywords and hides "tracked".
func newModel(t *testing.T, name string, k int, settings ...string) *Model {
	t.Helper()
	a, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	s := a.Settings()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	s.Flags(fs)
	if fs.Lookup("k") != nil {
		settings = append([]string{"-k", fmt.Sprint(k)}, settings...)
	}
	if err := fs.Parse(settings); err != nil {
		t.Fatal(err)
	}
	c, err := s.New()
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Keywords, o.Exclude = 3, []string{"tracked"}
	m, err := New(c, o)
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

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func batch(m *Model, n, offset int) []*model.Point {
	var out []*model.Point
	for i := range n {
		tp := topics[(i+offset)%3]
		p := modeltest.WithID(&model.Point{Lon: tp.lon + float64(i%7)*0.01, Lat: tp.lat, Cluster: -1,
			Located: tweet.GeoPoint, Level: tweet.GeoCity}, fmt.Sprint(i))
		p.SetText(tp.text)
		m.Prepare(p)
		out = append(out, p)
	}
	return out
}

func train(m *Model, batches, size int) {
	for b := range batches {
		m.Train(batch(m, size, b), t0.Add(time.Duration(b+1)*10*time.Second))
	}
}

var streaming = []string{"spherical", "spark"}

func TestClustersSeparateTopics(t *testing.T) {
	for _, name := range append(streaming, "lloyd") {
		t.Run(name, func(t *testing.T) {
			m := newModel(t, name, 3)
			train(m, 5, 60)
			win := batch(m, 90, 0)
			sums := m.Assign(win, t0.Add(time.Minute))
			if len(sums) != 3 {
				t.Fatalf("got %d clusters, want 3: %+v", len(sums), sums)
			}
			for i, p := range win {
				if p.Cluster != win[i%3].Cluster {
					t.Fatalf("posts of one topic split across clusters")
				}
			}
			for _, s := range sums {
				if s.Size != 30 || s.Mapped != 30 || len(s.Keywords) != 3 {
					t.Fatalf("summary %+v", s)
				}
				if slices.Contains(s.Keywords, "tracked") {
					t.Fatal("excluded word shown as a keyword")
				}
			}
		})
	}
}

// TestPostsWithoutAPlace: a post with no place is clustered by its words
// with the posts of its topic, counted in its cluster's size but not in
// what is on the map, and a cluster with nothing on the map has no centre.
func TestPostsWithoutAPlace(t *testing.T) {
	for _, name := range streaming {
		t.Run(name, func(t *testing.T) {
			m := newModel(t, name, 3)
			train(m, 5, 60)
			win := batch(m, 30, 0)
			var unplaced []*model.Point
			for i, tp := range topics {
				p := modeltest.WithID(&model.Point{Cluster: -1}, fmt.Sprint("u", i))
				p.SetText(tp.text)
				m.Prepare(p)
				unplaced = append(unplaced, p)
			}
			sums := m.Assign(append(win, unplaced...), t0.Add(time.Minute))
			for i, p := range unplaced {
				if p.Cluster < 0 || p.Cluster != win[i].Cluster {
					t.Fatalf("the unplaced post of topic %d went to cluster %d, its topic to %d", i, p.Cluster, win[i].Cluster)
				}
			}
			for _, s := range sums {
				if s.Size != 11 || s.Mapped != 10 {
					t.Fatalf("cluster %d: %d posts, %d mapped; want 11 and 10", s.ID, s.Size, s.Mapped)
				}
			}
			only := []*model.Point{unplaced[0]}
			sums = m.Assign(only, t0.Add(time.Minute))
			if len(sums) != 1 || sums[0].Mapped != 0 {
				t.Fatalf("a window of one unplaced post: %+v", sums)
			}
			b, err := json.Marshal(sums[0])
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), `"lon":null,"lat":null`) || !strings.Contains(string(b), `"mapped":0`) {
				t.Fatalf("a cluster with nothing on the map: %s", b)
			}
		})
	}
}

// TestSmallClustersAreCountedNotLabelled: a cluster of fewer than
// MinLabelled posts gets no keywords.
func TestSmallClustersAreCountedNotLabelled(t *testing.T) {
	m := newModel(t, "spherical", 3)
	train(m, 5, 60)
	win := append(batch(m, 30, 0)[:20], batch(m, 2, 2)...) // two posts of the third topic
	for _, s := range m.Assign(win, t0.Add(time.Minute)) {
		if s.Size < DefaultMinLabelled && len(s.Keywords) != 0 || s.Size >= DefaultMinLabelled && len(s.Keywords) == 0 {
			t.Fatalf("cluster of %d posts labelled %v", s.Size, s.Keywords)
		}
	}
}

// TestIDsLastAndSayWhenTheyWereBorn: a cluster keeps its id from window to
// window, with the time of the batch that opened it; the k-means models'
// re-seeded clusters get new ids, born later, saying which cluster they
// were split from.
func TestIDsLastAndSayWhenTheyWereBorn(t *testing.T) {
	m := newModel(t, "spherical", 4)
	train(m, 5, 60)
	first := m.Assign(batch(m, 30, 0), t0.Add(time.Minute))
	train(m, 3, 60)
	second := m.Assign(batch(m, 30, 0), t0.Add(2*time.Minute))
	ids := func(ss []model.ClusterSummary) map[int]model.ClusterSummary {
		out := map[int]model.ClusterSummary{}
		for _, s := range ss {
			out[s.ID] = s
		}
		return out
	}
	a, b := ids(first), ids(second)
	for id, s := range a {
		if b[id].ID != id || !b[id].Born.Equal(s.Born) || s.Born.IsZero() {
			t.Fatalf("cluster %d: born %v, then %+v", id, s.Born, b[id])
		}
	}
	// A batch of one topic alone makes the model split the cluster that
	// takes all of it: the slot it re-seeds holds a new cluster.
	before := map[int]bool{}
	for _, l := range m.Clusterer().Clusters() {
		before[l.ID] = true
	}
	var lone []*model.Point
	for _, p := range batch(m, 240, 0) {
		if p.Text() == topics[0].text {
			lone = append(lone, p)
		}
	}
	t3 := t0.Add(3 * time.Minute)
	m.Train(lone, t3)
	var born []model.Lineage
	seen := map[int]bool{}
	for _, l := range m.Clusterer().Clusters() {
		if seen[l.ID] {
			t.Fatalf("id %d used twice", l.ID)
		}
		seen[l.ID] = true
		if !before[l.ID] {
			born = append(born, l)
		}
	}
	if len(born) == 0 {
		t.Fatal("no cluster re-seeded by a batch of one topic")
	}
	for _, l := range born {
		if !m.born[l.ID].Equal(t3) || len(l.From) != 1 || !before[l.From[0]] || !slices.Equal(m.from[l.ID], l.From) {
			t.Fatalf("new cluster %+v: born %v from %v", l, m.born[l.ID], m.from[l.ID])
		}
	}
}

func TestExamplesAreTheMostTypicalPosts(t *testing.T) {
	for _, name := range streaming {
		t.Run(name, func(t *testing.T) { testExamples(t, newModel(t, name, 3)) })
	}
}

func testExamples(t *testing.T, m *Model) {
	train(m, 5, 60)
	end := t0.Add(time.Minute)
	win := batch(m, 30, 0)
	if sums := m.Assign(win, end); sums[0].Examples != nil {
		t.Fatalf("examples without being asked: %+v", sums[0].Examples)
	}
	m.opts.Examples = 3
	// Each topic gets posts that stray from it, in words and in place:
	// they are less typical than the topic's own posts.
	for i, tp := range topics {
		p := modeltest.WithID(&model.Point{Lon: tp.lon + 3, Lat: tp.lat - 2,
			Cluster: -1, Located: tweet.GeoPoint}, fmt.Sprint("stray", i))
		p.SetText(tp.text + " lunch coffee traffic")
		m.Prepare(p)
		win = append(win, p)
	}
	check := func(name string, sums []model.ClusterSummary) {
		t.Helper()
		scores := make([]float64, len(win))
		m.c.Assign(win, scores)
		for _, s := range sums {
			if len(s.Examples) != 3 {
				t.Fatalf("%s: cluster %d has %d examples, want 3", name, s.ID, len(s.Examples))
			}
			// Brute force: every point's score in its own cluster.
			var want []near
			for i, p := range win {
				if p.Cluster == s.ID {
					want = append(want, near{p, scores[i]})
				}
			}
			sort.Slice(want, func(i, j int) bool { return want[i].before(want[j]) })
			for i, e := range s.Examples {
				if e.ID != want[i].p.ID() || e.Text != want[i].p.Text() || e.Lon != want[i].p.Lon {
					t.Fatalf("%s: cluster %d example %d is %+v, want %s", name, s.ID, i, e, want[i].p.ID())
				}
				if strings.HasPrefix(e.ID, "stray") {
					t.Fatalf("%s: a stray post is an example of cluster %d: %+v", name, s.ID, s.Examples)
				}
			}
		}
	}
	check("small window", m.Assign(win, end))
	// The first half is this window padded with copies of its posts under
	// ids that sort last; the second half the same posts under ids that
	// sort first. Ties go to the second half's, so the halves' examples
	// must be merged.
	copies := func(prefix string, n int) []*model.Point {
		var out []*model.Point
		for len(out) < n {
			for _, p := range batch(m, 90, 0) {
				p.SetID(fmt.Sprint(prefix, len(out)))
				out = append(out, p)
			}
		}
		return out[:n]
	}
	big := append(append([]*model.Point(nil), win...), copies("z", parallelMin-len(win))...)
	big = append(big, copies("!", parallelMin)...)
	win = big
	check("two halves", m.Assign(big, end))
}

func TestParallelAssignMatchesSequential(t *testing.T) {
	for _, name := range streaming {
		t.Run(name, func(t *testing.T) {
			m := newModel(t, name, 3)
			train(m, 3, 60)
			win := batch(m, parallelMin+101, 0) // large enough for two goroutines
			sums := m.Assign(win, t0.Add(time.Minute))
			clusters := make([]int, len(win))
			for i, p := range win {
				clusters[i] = p.Cluster
			}
			seq := m.assignPart(win, nil)
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
		})
	}
}

// TestEveryAlgorithmsSettings: every registered algorithm builds with its
// defaults, refuses a bad value of each numeric setting it declares, and
// declares the settings every model shares under their shared names.
func TestEveryAlgorithmsSettings(t *testing.T) {
	for _, a := range Algorithms() {
		t.Run(a.Name, func(t *testing.T) {
			s := a.Settings()
			if err := s.Validate(); err != nil {
				t.Fatalf("defaults: %v", err)
			}
			c, err := s.New()
			if err != nil || c == nil {
				t.Fatalf("defaults: %v", err)
			}
			fs := flag.NewFlagSet(a.Name, flag.ContinueOnError)
			s.Flags(fs)
			if fs.Lookup("seed") == nil {
				t.Errorf("%s has no --seed", a.Name)
			}
			fs.VisitAll(func(f *flag.Flag) {
				if f.Usage == "" {
					t.Errorf("--%s has no help", f.Name)
				}
			})
			for _, n := range []string{"k", "decay", "geo-weight", "hashtag-weight", "passes", "iterations"} {
				if fs.Lookup(n) == nil {
					continue
				}
				s := a.Settings()
				fs := flag.NewFlagSet(a.Name, flag.ContinueOnError)
				s.Flags(fs)
				if err := fs.Set(n, "-5"); err != nil {
					continue // refused by the flag itself
				}
				if err := s.Validate(); err == nil {
					t.Errorf("--%s -5 accepted", n)
				}
			}
		})
	}
	if _, err := Lookup("nonsense"); err == nil || !strings.Contains(err.Error(), "spherical") {
		t.Fatalf("an unknown model: %v", err)
	}
}

// TestWordsByTheModelsRules: posts are read in every script, with the
// spans their source marked (a link's text is never a word); the seed
// profile reads them by the original tool's ASCII rules.
func TestWordsByTheModelsRules(t *testing.T) {
	text := "Schnee in München heute nytimes.com/2024/snow @alice.bsky.social"
	tw := &tweet.Tweet{Text: text, Entities: []tweet.Entity{
		{Kind: tweet.EntityLink, Start: strings.Index(text, "nytimes"), End: strings.Index(text, " @"), Value: "https://nytimes.com/2024/snow"},
		{Kind: tweet.EntityMention, Start: strings.Index(text, "@"), End: len(text), Value: "did:plc:alice"},
	}}
	got := strings.Join(newModel(t, "spherical", 3).Tokenize(nil, tw), " ")
	if !strings.Contains(got, "münchen") || strings.Contains(got, "nytimes") || strings.Contains(got, "2024") {
		t.Fatalf("default words: %q", got)
	}
	seed := strings.Join(newModel(t, "spark", 3, "-profile", "seed", "-embeddings-online=false").Tokenize(nil, tw), " ")
	if strings.Contains(seed, "münchen") || !strings.Contains(seed, "nchen") {
		t.Fatalf("the seed profile's words: %q", seed)
	}
}

// TestSaveStateIsTheSameTwice: a model saved twice without a change in
// between writes the same bytes, its clusters' births in id order, so a
// checkpoint of the same state is the same file.
func TestSaveStateIsTheSameTwice(t *testing.T) {
	for _, name := range []string{"dmm", "spherical"} {
		m := newModel(t, name, 3)
		for b := range 6 {
			pts := batch(m, 60, b)
			m.Train(pts, t0.Add(time.Duration(b+1)*10*time.Second))
			m.Assign(pts, t0.Add(time.Duration(b+1)*10*time.Second))
		}
		if len(m.born) < 2 {
			t.Fatalf("%s: %d clusters born, want several", name, len(m.born))
		}
		var first bytes.Buffer
		if err := m.SaveState(&first); err != nil {
			t.Fatal(err)
		}
		for range 20 {
			var again bytes.Buffer
			if err := m.SaveState(&again); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first.Bytes(), again.Bytes()) {
				t.Fatalf("%s: the same state saved as different bytes", name)
			}
		}
	}
}
