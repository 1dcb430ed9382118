// Package cluster is the analyzer's model seam. A Model turns each post's
// text into words, hands the posts to a Clusterer — one algorithm, in a
// package of its own (spherical, kmeans, lloyd, ...; see the registry in
// algorithms.go) — batch by batch, and at every slide summarizes the
// window's clusters: their posts, how many of them are on the map, their
// centre, their most distinctive keywords, a few typical posts, and when
// each cluster was born and from which. It implements pipeline.Model.
package cluster

import (
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/text"
	"github.com/geostream/geostream/shared/field"
	"github.com/geostream/geostream/shared/tweet"
)

// Defaults for Options.
const (
	DefaultKeywords = 5
	// DefaultMinLabelled is the fewest posts a cluster needs to be given
	// keywords: one or two posts are counted, not labelled.
	DefaultMinLabelled = 3
)

// Options configure what every model shares: how posts become words, and
// how a window's clusters are summarized.
type Options struct {
	// Keywords is how many keywords a cluster gets.
	Keywords int
	// Mentions lets @mentions be keywords.
	Mentions bool
	// Exclude are words never shown as keywords (the tracked terms).
	Exclude []string
	// Examples, if positive, is how many of each cluster's posts Assign
	// returns in ClusterSummary.Examples: its most typical. The points
	// must keep their Text (pipeline.Options.KeepText).
	Examples int
	// MinLabelled is the fewest posts a cluster needs to be given keywords.
	MinLabelled int
}

// DefaultOptions are 5 keywords a cluster of 3 posts or more.
func DefaultOptions() Options {
	return Options{Keywords: DefaultKeywords, MinLabelled: DefaultMinLabelled}
}

// Validate checks the options.
func (o *Options) Validate() error {
	switch {
	case o.Keywords < 0:
		return field.Errorf("Keywords", "must not be negative")
	case o.Examples < 0 || o.Examples > 100:
		return field.Errorf("Examples", "must be between 0 and 100")
	case o.MinLabelled < 0:
		return field.Errorf("MinLabelled", "must not be negative")
	}
	return nil
}

// Fitter is a Clusterer that learns from a whole window before it is
// asked about the window's parts (a batch baseline).
type Fitter interface {
	Fit(points []*model.Point)
}

// Model implements pipeline.Model around a Clusterer. It is used from the
// pipeline's goroutine only.
type Model struct {
	c       Clusterer
	opts    Options
	seed    bool // the original tool's rules for words (SeedTexter)
	exclude map[string]bool
	born    map[int]time.Time
	from    map[int][]int
	seen    map[int]int // the lineage call in which each id was last held
	calls   int
	spawn   func(func()) // starts Assign's helper goroutine; nil: a go statement
}

// New returns the model of Clusterer c.
func New(c Clusterer, o Options) (*Model, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	m := &Model{c: c, opts: o, exclude: map[string]bool{}, born: map[int]time.Time{}, from: map[int][]int{}, seen: map[int]int{}}
	if s, ok := c.(SeedTexter); ok {
		m.seed = s.SeedText()
	}
	for _, w := range o.Exclude {
		for _, t := range m.words(nil, w) {
			m.exclude[strings.TrimLeft(t, "#@")] = true
		}
	}
	return m, nil
}

// Clusterer is the model's algorithm.
func (m *Model) Clusterer() Clusterer { return m.c }

// SetSpawn implements pipeline.Spawner: the model's goroutines (Assign's
// second half of a large window, and the algorithm's own, such as online
// word vectors') start with spawn.
func (m *Model) SetSpawn(spawn func(func())) {
	m.spawn = spawn
	if s, ok := m.c.(interface{ SetSpawn(func(func())) }); ok {
		s.SetSpawn(spawn)
	}
}

// Close lets the algorithm finish its own work (saving word vectors).
func (m *Model) Close() error {
	if c, ok := m.c.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// SeedTexter is a Clusterer that reads posts by the original tool's rules
// (text.TokenizeSeed: ASCII words, English stop words) rather than in
// every script.
type SeedTexter interface {
	SeedText() bool
}

// Tokenize implements pipeline.Tokenizer: it appends to dst the post's
// words in any script, with the links, mentions and hashtags its source
// marked. The pipeline packs a copy of them (model.PackPost).
func (m *Model) Tokenize(dst []string, tw *tweet.Tweet) []string {
	if !m.seed && len(tw.Entities) > 0 {
		return text.TokenizePost(dst, tw.Text, tw.Entities)
	}
	return m.words(dst, tw.Text)
}

// words appends the words of s to dst, by the model's rules.
func (m *Model) words(dst []string, s string) []string {
	if m.seed {
		return text.TokenizeSeed(dst, s)
	}
	return text.Tokenize(dst, s)
}

// Prepare implements pipeline.Model: it tokenizes the text unless the
// reader already did, and featurizes the point.
func (m *Model) Prepare(p *model.Point) {
	if !p.Tokenized() {
		p.SetTokens(m.words(nil, p.Text()))
	}
	m.c.Featurize(p)
}

// Train implements pipeline.Model; end is the batch's end, when the
// clusters it opens are born.
func (m *Model) Train(batch []*model.Point, end time.Time) {
	m.c.Train(batch)
	m.lineage(end)
}

// Forget implements pipeline.Model.
func (m *Model) Forget(batch []*model.Point) { m.c.Forget(batch) }

// Decay implements pipeline.Model.
func (m *Model) Decay(n int64) { m.c.Age(n) }

// bornMemory is how many lineage calls (batches) the birth of a cluster
// the model no longer holds is kept: a model may give a remembered id
// back to its topic, which is then the same cluster, born when it was.
const bornMemory = 64

// lineage notes when each cluster the algorithm holds was first seen, and
// forgets the births of clusters it has not held for bornMemory calls.
func (m *Model) lineage(at time.Time) {
	m.calls++
	live := m.c.Clusters()
	for _, l := range live {
		m.seen[l.ID] = m.calls
		if _, ok := m.born[l.ID]; !ok {
			m.born[l.ID] = at
			if len(l.From) > 0 {
				m.from[l.ID] = slices.Clone(l.From)
			}
		}
	}
	if len(m.born) > len(live) && m.calls%bornMemory == 0 {
		for id, last := range m.seen {
			if m.calls-last > bornMemory {
				delete(m.born, id)
				delete(m.from, id)
				delete(m.seen, id)
			}
		}
	}
}

// acc gathers one cluster's points in a window.
type acc struct {
	n, mapped int
	x, y, z   float64 // the sum of its mapped points on the unit sphere
	words     map[string]int
	near      []near // its most typical points, most typical first
}

// near is a point and its score in its cluster.
type near struct {
	p     *model.Point
	score float64
}

// before orders more typical points first, ties by id, so that the
// examples do not depend on how Assign split the window.
func (a near) before(b near) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.p.ID() < b.p.ID()
}

// keep inserts x into the n most typical points.
func (a *acc) keep(x near, n int) {
	if len(a.near) == n && !x.before(a.near[n-1]) {
		return
	}
	i := len(a.near)
	for i > 0 && x.before(a.near[i-1]) {
		i--
	}
	if len(a.near) < n {
		a.near = append(a.near, near{})
	}
	copy(a.near[i+1:], a.near[i:len(a.near)-1])
	a.near[i] = x
}

// merge adds o into a.
func (a *acc) merge(o *acc, examples int) {
	a.n += o.n
	a.mapped += o.mapped
	a.x, a.y, a.z = a.x+o.x, a.y+o.y, a.z+o.z
	for _, x := range o.near {
		a.keep(x, examples)
	}
	if a.words == nil {
		a.words = o.words
		return
	}
	for w, c := range o.words {
		a.words[w] += c
	}
}

// assignPart clusters points (scores, if not nil, is theirs) and tallies
// them by cluster.
func (m *Model) assignPart(points []*model.Point, scores []float64) map[int]*acc {
	m.c.Assign(points, scores)
	accs := map[int]*acc{}
	n := m.opts.Examples
	for i, p := range points {
		if p.Cluster < 0 {
			continue
		}
		a := accs[p.Cluster]
		if a == nil {
			a = &acc{}
			accs[p.Cluster] = a
		}
		a.n++
		if n > 0 {
			if x := (near{p, scores[i]}); len(a.near) < n || x.before(a.near[n-1]) {
				a.keep(x, n)
			}
		}
		if p.Located != tweet.GeoNone {
			a.mapped++
			φ, λ := p.Lat*math.Pi/180, p.Lon*math.Pi/180
			a.x += math.Cos(φ) * math.Cos(λ)
			a.y += math.Cos(φ) * math.Sin(λ)
			a.z += math.Sin(φ)
		}
		if m.opts.Keywords > 0 {
			if a.words == nil {
				a.words = map[string]int{}
			}
			for w := range p.Tokens() {
				if len(m.exclude) == 0 || !m.exclude[strings.TrimLeft(w, "#@")] {
					a.words[w]++
				}
			}
		}
	}
	return accs
}

// parallelMin is the window size from which Assign uses a second goroutine.
const parallelMin = 4096

// Assign implements pipeline.Model: it sets every point's Cluster and
// summarizes the window that ends at end, clusters in id order. Large
// windows are split in two halves assigned at once (the Clusterer only
// reads); the helper goroutine is joined before Assign returns.
func (m *Model) Assign(points []*model.Point, end time.Time) []model.ClusterSummary {
	if f, ok := m.c.(Fitter); ok {
		f.Fit(points)
		m.lineage(end)
	}
	var scores []float64
	if m.opts.Examples > 0 {
		scores = make([]float64, len(points))
	}
	var accs map[int]*acc
	if len(points) < parallelMin {
		accs = m.assignPart(points, scores)
	} else {
		half := len(points) / 2
		var other map[int]*acc
		var wg sync.WaitGroup
		wg.Add(1)
		second := func() {
			defer wg.Done()
			var s []float64
			if scores != nil {
				s = scores[half:]
			}
			other = m.assignPart(points[half:], s)
		}
		if m.spawn != nil {
			m.spawn(second)
		} else {
			go second() // joined below
		}
		var s []float64
		if scores != nil {
			s = scores[:half]
		}
		accs = m.assignPart(points[:half], s)
		wg.Wait()
		for id, o := range other {
			if a := accs[id]; a != nil {
				a.merge(o, m.opts.Examples)
			} else {
				accs[id] = o
			}
		}
	}
	ids := make([]int, 0, len(accs))
	for id := range accs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	counts := make([]map[string]int, len(ids))
	for i, id := range ids {
		if a := accs[id]; a.n >= m.opts.MinLabelled {
			counts[i] = a.words // the small are counted, not labelled
		}
	}
	labels := Keywords(counts, KeywordOptions{N: m.opts.Keywords, Mentions: m.opts.Mentions})
	out := make([]model.ClusterSummary, 0, len(ids))
	for i, id := range ids {
		a := accs[id]
		s := model.ClusterSummary{ID: id, Size: a.n, Mapped: a.mapped, Keywords: labels[i], Born: m.born[id],
			From: m.from[id], Examples: examples(a.near)}
		if s.Keywords == nil {
			s.Keywords = []string{}
		}
		if a.mapped > 0 {
			s.Lon = round(math.Atan2(a.y, a.x)*180/math.Pi, 4)
			s.Lat = round(math.Atan2(a.z, math.Hypot(a.x, a.y))*180/math.Pi, 4)
		}
		out = append(out, s)
	}
	return out
}

// examples copies what the outputs show of the most typical points.
func examples(ns []near) []model.Example {
	if len(ns) == 0 {
		return nil
	}
	out := make([]model.Example, len(ns))
	for i, x := range ns {
		p := x.p
		out[i] = model.Example{ID: p.ID(), Text: p.Text(), Place: p.Place(), Lon: p.Lon, Lat: p.Lat, Located: p.Located, Level: p.Level}
	}
	return out
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}
