// Package cluster is the analyzer's model: it tokenizes and embeds each
// located tweet, trains streaming k-means on every batch and, at every
// slide, assigns the window's tweets to clusters and describes each cluster
// by its size, centre and top keywords. It implements pipeline.Model.
package cluster

import (
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/shared/field"
	"math"
	"strings"
	"sync"

	"github.com/geostream/geostream/analyzer/internal/embed"
	"github.com/geostream/geostream/analyzer/internal/features"
	"github.com/geostream/geostream/analyzer/internal/kmeans"
	"github.com/geostream/geostream/analyzer/internal/spherical"
	"github.com/geostream/geostream/analyzer/internal/text"
)

// Init is how the centres start.
type Init string

const (
	// InitRandom draws centres from numpy's RandomState(seed).randn(k, dim),
	// as PySpark's setRandomCenters(dim, 1.0, seed) does.
	InitRandom Init = "random"
	// InitKMeansPP seeds the centres with k-means++ on the first batch.
	InitKMeansPP Init = "kmeans++"
)

// Defaults, chosen with analyzer eval (see README).
const (
	DefaultK        = 15
	DefaultDecay    = 0.6
	DefaultKeywords = 5
	// DefaultVectorWeight and DefaultGeoWeight weigh the word-vector and
	// place cosines of the spherical model, against 1 for its words, and
	// a hashtag weighs DefaultHashtagWeight words (see README, Quality).
	DefaultVectorWeight  = 0.0
	DefaultGeoWeight     = 2.0
	DefaultHashtagWeight = 2.0
)

// Options configures a Model.
type Options struct {
	K        int
	Decay    float64
	Unit     kmeans.TimeUnit
	Init     Init
	Seed     uint32
	Keywords int
	// Mentions lets @mentions be keywords.
	Mentions bool
	// Exclude are words never shown as keywords (the tracked terms).
	Exclude []string
	// Examples, if positive, is how many of each cluster's tweets Assign
	// returns in ClusterSummary.Examples: those nearest the cluster's
	// centre. The points must keep their Text (pipeline.Options.KeepText).
	Examples int
	Features features.Extractor
	// Spherical, if set, makes the model spherical streaming k-means over
	// Sparse features instead of Spark's over Features; its K, Decay and
	// Seed come from the fields above.
	Spherical *spherical.Options
	Sparse    features.Sparse
	// Lloyd, if positive, makes a batch baseline of the spherical model
	// for analyzer eval: nothing is learnt from batches, and every window
	// is clustered afresh, seeded by k-means++ and refined by Lloyd passes
	// until none moves a tweet, at most this many.
	Lloyd int
	// Online, if set, is refined on every batch's words (and is the
	// Features' embedding model).
	Online *embed.Online
	// Save, if set, is called with the online model every SaveEvery batches
	// and at Close.
	Save      func(*embed.Online) error
	SaveEvery int
}

// DefaultOptions are the analyzer's: k 15, Spark's decay of 0.6 a batch,
// 5 keywords, seed 3 (the seed profile's numpy seed).
func DefaultOptions() Options {
	return Options{K: DefaultK, Decay: DefaultDecay, Unit: kmeans.Batches, Keywords: DefaultKeywords, Seed: 3}
}

// Validate checks the options.
func (o *Options) Validate() error {
	if o.K < 1 || o.K > 1000 {
		return field.Errorf("K", "must be between 1 and 1000")
	}
	if o.Decay < 0 || o.Decay > 1 || math.IsNaN(o.Decay) {
		return field.Errorf("Decay", "must be between 0 and 1")
	}
	if o.Unit != kmeans.Batches && o.Unit != kmeans.Points {
		return field.Errorf("Unit", "must be batches or points")
	}
	if o.Spherical == nil && o.Init != InitRandom && o.Init != InitKMeansPP {
		return field.Errorf("Init", "must be random or kmeans++")
	}
	if o.Keywords < 0 {
		return field.Errorf("Keywords", "must not be negative")
	}
	if o.Examples < 0 || o.Examples > 100 {
		return field.Errorf("Examples", "must be between 0 and 100")
	}
	if o.Spherical != nil {
		so := o.sphericalOptions()
		if o.Unit != kmeans.Batches {
			return field.Errorf("Unit", "points is for Spark's update")
		}
		if so.DenseDim > 0 && so.Dense == 0 || so.DenseDim == 0 && so.Dense > 0 {
			return field.Errorf("Dense", "needs word vectors, and word vectors a weight")
		}
		return so.Validate()
	}
	return o.Features.Validate()
}

func (o *Options) sphericalOptions() spherical.Options {
	so := *o.Spherical
	so.K, so.Decay, so.Seed = o.K, o.Decay, uint64(o.Seed)
	so.Buckets = o.Sparse.Buckets
	so.DenseDim = 0
	if o.Sparse.Embed != nil {
		so.DenseDim = o.Sparse.Embed.Dim()
	}
	return so
}

// Model implements pipeline.Model. It is used from the pipeline's goroutine
// only.
type Model struct {
	opts    Options
	km      *kmeans.Model
	sp      *spherical.Model
	spBatch []spherical.Point
	pending [][]float64 // points seen before k-means++ had enough to start
	exclude map[string]bool
	rng     *kmeans.RandomState
	batch   [][]float64
	slab    []float64 // backing store of batch
	x       []float64 // scratch for one point
	batches int
	spawn   func(func()) // starts Assign's helper goroutine; nil: a go statement
}

// SetSpawn implements pipeline.Spawner: the model's goroutines (Assign's
// second half of a large window, the online embeddings' training) start
// with spawn.
func (m *Model) SetSpawn(spawn func(func())) {
	m.spawn = spawn
	if m.opts.Online != nil {
		m.opts.Online.SetSpawn(spawn)
	}
}

// widen returns f as float64 in buf (grown as needed).
func widen(buf []float64, f []float32) []float64 {
	buf = buf[:0]
	for _, v := range f {
		buf = append(buf, float64(v))
	}
	return buf
}

// New returns a model; opts must be valid.
func New(opts Options) (*Model, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	m := &Model{opts: opts, exclude: map[string]bool{}, rng: kmeans.NewRandomState(opts.Seed)}
	for _, w := range opts.Exclude {
		for _, t := range text.Tokenize(nil, w) {
			m.exclude[strings.TrimLeft(t, "#@")] = true
		}
	}
	if opts.Spherical != nil {
		sp, err := spherical.New(opts.sphericalOptions())
		if err != nil {
			return nil, err
		}
		m.sp = sp
		return m, nil
	}
	if opts.Init == InitRandom {
		centers := kmeans.NewRandomState(opts.Seed).Randn(opts.K, opts.Features.Dim())
		km, err := kmeans.New(centers, 1.0, opts.Decay, opts.Unit)
		if err != nil {
			return nil, err
		}
		m.km = km
	}
	return m, nil
}

// Tokenize implements pipeline.Tokenizer.
func (m *Model) Tokenize(s string) []string { return text.Tokenize(nil, s) }

// Prepare implements pipeline.Model; it tokenizes the text unless the
// reader already did.
func (m *Model) Prepare(p *model.Point) {
	if p.Tokens == nil {
		p.Tokens = text.Tokenize(nil, p.Text)
	}
	if m.sp != nil {
		p.Terms, p.Vec = m.opts.Sparse.Vector(p.Lon, p.Lat, p.Tokens)
		return
	}
	v, _ := m.opts.Features.Vector(p.Lon, p.Lat, p.Tokens)
	p.Vec = make([]float32, len(v))
	for i, x := range v {
		p.Vec[i] = float32(x)
	}
}

// Train implements pipeline.Model.
func (m *Model) Train(batch []*model.Point) {
	if o := m.opts.Online; o != nil {
		// The words train in the background while k-means trains here;
		// tweets keep being featurized with the vectors as they were
		// before, until the next batch closes and publishes the result.
		words := make([][]string, len(batch))
		for i, p := range batch {
			words[i] = p.Tokens
		}
		o.Start(words)
		m.batches++
		if m.opts.Save != nil && m.opts.SaveEvery > 0 && m.batches%m.opts.SaveEvery == 0 {
			m.opts.Save(o) // errors are the saver's to log; training goes on
		}
	}
	if m.opts.Lloyd > 0 {
		return
	}
	if m.sp != nil {
		m.spBatch = m.spBatch[:0]
		for _, p := range batch {
			m.spBatch = append(m.spBatch, sphericalPoint(p))
		}
		m.sp.Update(m.spBatch)
		if !m.sp.Ready() {
			m.spBatch = nil // the model keeps the points until it is seeded
		}
		return
	}
	dim := m.opts.Features.Dim()
	if cap(m.slab) < len(batch)*dim {
		m.slab = make([]float64, len(batch)*dim)
	}
	m.batch = m.batch[:0]
	for i, p := range batch {
		row := m.slab[i*dim : i*dim : (i+1)*dim]
		m.batch = append(m.batch, widen(row, p.Vec))
	}
	if m.km == nil {
		for _, row := range m.batch {
			m.pending = append(m.pending, append([]float64(nil), row...))
		}
		if len(m.pending) < m.opts.K {
			return // not enough points yet to seed k centres
		}
		centers := kmeans.KMeansPlusPlus(m.pending, m.opts.K, m.rng.Float64)
		km, err := kmeans.New(centers, 1.0, m.opts.Decay, m.opts.Unit)
		if err != nil {
			panic(err) // options were validated; centres come from our points
		}
		m.km, m.pending = km, nil
	}
	m.km.Update(m.batch)
}

// Close waits for the online model's training and saves it one last
// time, if there is one to save.
func (m *Model) Close() error {
	if o := m.opts.Online; o != nil {
		o.Wait()
		if m.opts.Save != nil {
			return m.opts.Save(o)
		}
	}
	return nil
}

// Online is the online embedding model, or nil.
func (m *Model) Online() *embed.Online { return m.opts.Online }

// Decay implements pipeline.Model.
func (m *Model) Decay(n int64) {
	switch {
	case m.sp != nil:
		m.sp.DecayEmpty(n)
	case m.km != nil:
		m.km.DecayEmpty(n)
	}
}

// Ready reports whether the model has centres.
func (m *Model) Ready() bool {
	if m.sp != nil {
		return m.sp.Ready()
	}
	return m.km != nil
}

// k is the number of clusters the model holds.
func (m *Model) k() int {
	if m.sp != nil {
		return m.sp.K()
	}
	return m.km.K()
}

// sphericalPoint is p as the spherical model sees it.
func sphericalPoint(p *model.Point) spherical.Point {
	n := len(p.Vec)
	sp := spherical.Point{Terms: p.Terms, Dense: p.Vec[:n-3]}
	copy(sp.Geo[:], p.Vec[n-3:])
	return sp
}

// predict returns p's cluster; scratch is the caller's buffer. With
// score set it also returns how near p is to the cluster's centre, higher
// nearer: the spherical model's score, or Spark's negated squared distance.
func (m *Model) predict(p *model.Point, cs *centres32, scratch *[]float64, score bool) (int, float64) {
	if m.sp != nil {
		sp := sphericalPoint(p)
		c, buf := m.sp.Nearest(&sp, *scratch)
		*scratch = buf
		if score && c >= 0 {
			return c, buf[c]
		}
		return c, 0
	}
	c := cs.nearest(p.Vec)
	if c < 0 {
		*scratch = widen(*scratch, p.Vec)
		c = m.km.Predict(*scratch)
	}
	if !score {
		return c, 0
	}
	var d float64
	for i, x := range m.km.Centers[c] {
		e := float64(p.Vec[i]) - x
		d += e * e
	}
	return c, -d
}

// acc gathers one cluster's points in a window.
type acc struct {
	n       int
	x, y, z float64
	words   map[string]int
	near    []near // the points nearest the centre, nearest first
}

// near is a point and its score against its cluster's centre.
type near struct {
	p     *model.Point
	score float64
}

// before orders nearer points first, ties by id, so that the examples do
// not depend on how Assign split the window.
func (a near) before(b near) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.p.ID < b.p.ID
}

// keep inserts x into the n nearest points.
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

// assignPart predicts points' clusters and tallies them into accs.
func (m *Model) assignPart(points []*model.Point, accs []acc, cs *centres32, scratch []float64) {
	n := m.opts.Examples
	for _, p := range points {
		c, score := m.predict(p, cs, &scratch, n > 0)
		p.Cluster = c
		a := &accs[c]
		a.n++
		if n > 0 && (len(a.near) < n || score >= a.near[n-1].score) {
			a.keep(near{p, score}, n)
		}
		φ, λ := p.Lat*math.Pi/180, p.Lon*math.Pi/180
		a.x += math.Cos(φ) * math.Cos(λ)
		a.y += math.Cos(φ) * math.Sin(λ)
		a.z += math.Sin(φ)
		if m.opts.Keywords > 0 {
			if a.words == nil {
				a.words = map[string]int{}
			}
			for _, w := range p.Tokens {
				if len(m.exclude) == 0 || !m.exclude[strings.TrimLeft(w, "#@")] {
					a.words[w]++
				}
			}
		}
	}
}

// parallelMin is the window size from which Assign uses a second goroutine.
const parallelMin = 4096

// Assign implements pipeline.Model. Large windows are split in two halves
// predicted at once (the centres are only read); the helper goroutine is
// joined before Assign returns.
func (m *Model) Assign(points []*model.Point) []model.ClusterSummary {
	if m.opts.Lloyd > 0 && len(points) > 0 {
		so := m.opts.sphericalOptions()
		so.MinInit, so.InitIterations, so.Reassign, so.MaxShare = len(points), m.opts.Lloyd, 1e-300, 1
		sp, err := spherical.New(so)
		if err != nil {
			panic(err) // the options were validated
		}
		pts := make([]spherical.Point, len(points))
		for i, p := range points {
			pts[i] = sphericalPoint(p)
		}
		sp.Update(pts)
		m.sp = sp
	}
	if !m.Ready() {
		return nil
	}
	k := m.k()
	accs := make([]acc, k)
	var cs *centres32
	if m.km != nil {
		c := newCentres32(m.km)
		cs = &c
	}
	if len(points) < parallelMin {
		m.x = m.x[:0]
		m.assignPart(points, accs, cs, m.x)
	} else {
		half := len(points) / 2
		other := make([]acc, k)
		var wg sync.WaitGroup
		wg.Add(1)
		second := func() {
			defer wg.Done()
			m.assignPart(points[half:], other, cs, nil)
		}
		if m.spawn != nil {
			m.spawn(second)
		} else {
			go second() // joined below
		}
		m.assignPart(points[:half], accs, cs, m.x[:0])
		wg.Wait()
		for i := range accs {
			a, o := &accs[i], &other[i]
			a.n += o.n
			a.x, a.y, a.z = a.x+o.x, a.y+o.y, a.z+o.z
			for _, x := range o.near {
				a.keep(x, m.opts.Examples)
			}
			if a.words == nil {
				a.words = o.words
				continue
			}
			for w, c := range o.words {
				a.words[w] += c
			}
		}
	}
	counts := make([]map[string]int, len(accs))
	for i := range accs {
		counts[i] = accs[i].words
	}
	labels := Keywords(counts, KeywordOptions{N: m.opts.Keywords, Mentions: m.opts.Mentions})
	var out []model.ClusterSummary
	for id, a := range accs {
		if a.n == 0 {
			continue
		}
		lon := math.Atan2(a.y, a.x) * 180 / math.Pi
		lat := math.Atan2(a.z, math.Hypot(a.x, a.y)) * 180 / math.Pi
		kw := labels[id]
		if kw == nil {
			kw = []string{}
		}
		out = append(out, model.ClusterSummary{
			ID: id, Size: a.n, Lon: round(lon, 4), Lat: round(lat, 4), Keywords: kw, Examples: examples(a.near),
		})
	}
	return out
}

// examples copies what the outputs show of the nearest points.
func examples(ns []near) []model.Example {
	if len(ns) == 0 {
		return nil
	}
	out := make([]model.Example, len(ns))
	for i, x := range ns {
		p := x.p
		out[i] = model.Example{ID: p.ID, Text: p.Text, Place: p.Place, Lon: p.Lon, Lat: p.Lat, Located: p.Located, Level: p.Level}
	}
	return out
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}
