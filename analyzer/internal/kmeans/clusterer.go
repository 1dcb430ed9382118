package kmeans

import (
	"flag"
	"math"

	"github.com/geostream/geostream/analyzer/internal/embed"
	"github.com/geostream/geostream/analyzer/internal/features"
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/shared/field"
)

// Init is how the centres start.
type Init string

const (
	// InitAuto is k-means++, or numpy's random centres with the seed
	// profile.
	InitAuto Init = ""
	// InitRandom draws centres from numpy's RandomState(seed).randn(k, dim),
	// as PySpark's setRandomCenters(dim, 1.0, seed) does.
	InitRandom Init = "random"
	// InitKMeansPP seeds the centres with k-means++ on the first batch.
	InitKMeansPP Init = "kmeans++"
)

// Defaults of Settings.
const (
	DefaultK     = 15
	DefaultDecay = 0.6
	DefaultSeed  = 3
)

// Settings configure Spark's streaming k-means as the analyzer's model:
// the update, how the centres start, and the features (the word-vector
// part and the place, or with the seed profile the original tool's
// [lon, lat, mean word vector]).
type Settings struct {
	K        int
	Decay    float64
	HalfLife float64 // if positive, sets Decay
	Unit     TimeUnit
	Init     Init
	Seed     uint64 // numpy's seed: at most 2³²−1
	// Profile is features.Default or features.Seed.
	Profile    string
	TextWeight float64
	GeoWeight  float64
	// IDF weighs words by inverse document frequency (the default profile
	// only).
	IDF     bool
	Vectors embed.Settings
}

// DefaultSettings are Spark's defaults as the analyzer had them: k 15,
// decay 0.6 a batch, k-means++ on the first batch, the default features
// with online word vectors and IDF.
func DefaultSettings() Settings {
	return Settings{K: DefaultK, Decay: DefaultDecay, Unit: Batches, Seed: DefaultSeed, Profile: string(features.Default), IDF: true,
		TextWeight: features.DefaultTextWeight, GeoWeight: features.DefaultGeoWeight, Vectors: embed.DefaultSettings()}
}

// Flags registers the settings on fs.
func (s *Settings) Flags(fs *flag.FlagSet) {
	fs.IntVar(&s.K, "k", s.K, "number of clusters")
	fs.Float64Var(&s.Decay, "decay", s.Decay, "forgetfulness: weight kept per time unit (1 = remember everything)")
	fs.Float64Var(&s.HalfLife, "half-life", s.HalfLife, "instead of --decay: time units after which a weight has halved")
	fs.Func("time-unit", "what --decay is per: batches or points (default batches)", func(v string) error {
		s.Unit = TimeUnit(v)
		return nil
	})
	fs.Func("init", "initial centres: kmeans++ (on the first batch) or random (numpy randn, as PySpark); default kmeans++, random for --profile seed", func(v string) error {
		s.Init = Init(v)
		return nil
	})
	fs.Func("profile", "features: default (weighted text + unit-sphere location) or seed (the original's [lon, lat, word vector])", func(v string) error {
		s.Profile = v
		return nil
	})
	fs.Uint64Var(&s.Seed, "seed", s.Seed, "random seed for the initial centres")
	fs.Float64Var(&s.TextWeight, "text-weight", s.TextWeight, "weight of the word-vector part")
	fs.Float64Var(&s.GeoWeight, "geo-weight", s.GeoWeight, "weight of the place")
	fs.BoolVar(&s.IDF, "idf", s.IDF, "weight words by inverse document frequency in the stream (not with --profile seed)")
	s.Vectors.Flags(fs)
}

// Validate checks the settings.
func (s *Settings) Validate() error {
	switch {
	case s.K < 1 || s.K > 1000:
		return field.Errorf("K", "must be between 1 and 1000")
	case !(s.Decay >= 0 && s.Decay <= 1):
		return field.Errorf("Decay", "must be between 0 and 1")
	case !(s.HalfLife >= 0) || math.IsInf(s.HalfLife, 0):
		return field.Errorf("HalfLife", "must be positive")
	case s.Unit != Batches && s.Unit != Points:
		return field.Errorf("Unit", "must be batches or points, not %q", s.Unit)
	case s.Init != InitAuto && s.Init != InitRandom && s.Init != InitKMeansPP:
		return field.Errorf("Init", "must be random or kmeans++, not %q", s.Init)
	case s.Profile != string(features.Default) && s.Profile != string(features.Seed):
		return field.Errorf("Profile", "must be default or seed, not %q", s.Profile)
	case s.Seed > math.MaxUint32:
		return field.Errorf("Seed", "must be below 2^32, as numpy's")
	}
	e := features.Extractor{Profile: features.Profile(s.Profile), TextWeight: s.TextWeight, GeoWeight: s.GeoWeight}
	if err := e.Validate(); err != nil {
		return err
	}
	return s.Vectors.Validate()
}

// Clusterer is Spark's streaming k-means behind the analyzer's model seam
// (cluster.Clusterer). A centre keeps its cluster id until a split
// revives it as a new cluster. It is used from one goroutine, except that
// Assign only reads.
type Clusterer struct {
	// Owner holds the word vectors (V) and gives the methods for them.
	embed.Owner

	s       Settings
	feat    features.Extractor
	km      *Model
	fast    centres32 // km's centres in float32, refreshed after each change
	pending [][]float64
	rng     *RandomState
	batch   [][]float64
	slab    []float64
	lineage model.Slots
}

// NewClusterer returns the model the settings describe.
func NewClusterer(s Settings) (*Clusterer, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if s.HalfLife > 0 {
		s.Decay = DecayForHalfLife(s.HalfLife)
	}
	seedProfile := s.Profile == string(features.Seed)
	if s.Init == InitAuto {
		s.Init = InitKMeansPP
		if seedProfile {
			s.Init = InitRandom
		}
	}
	base := embed.DefaultHashed
	if seedProfile {
		// The original used 100-dimensional word2vec vectors: 2 + 100 = 102.
		base = embed.Hashed{D: 100, NNZ: embed.DefaultHashed.NNZ, Seed: embed.DefaultHashed.Seed}
	}
	v, err := s.Vectors.Build(base, s.Vectors.File == "" && !seedProfile, uint64(s.Seed))
	if err != nil {
		return nil, err
	}
	c := &Clusterer{s: s, Owner: embed.Owner{V: v}, rng: NewRandomState(uint32(s.Seed)), lineage: model.NewSlots(s.K)}
	c.feat = features.Extractor{Embed: v.Model, Profile: features.Profile(s.Profile), TextWeight: s.TextWeight, GeoWeight: s.GeoWeight}
	if !seedProfile && s.IDF {
		c.feat.IDF = features.NewIDF(features.DefaultIDFBuckets)
	}
	if s.Init == InitRandom {
		centers := NewRandomState(uint32(s.Seed)).Randn(s.K, c.feat.Dim())
		if err := c.start(centers); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *Clusterer) start(centers [][]float64) error {
	km, err := New(centers, 1.0, c.s.Decay, c.s.Unit)
	if err != nil {
		return err
	}
	c.km = km
	c.changed()
	return nil
}

// Settings are the settings the model was made with, its initialization
// and decay resolved.
func (c *Clusterer) Settings() Settings { return c.s }

// changed refreshes what is derived from the centres.
func (c *Clusterer) changed() {
	c.fast = newCentres32(c.km)
	c.lineage.Update(c.km)
}

// SeedText reports whether posts are read by the original tool's rules,
// as the seed profile does (cluster.SeedTexter).
func (c *Clusterer) SeedText() bool { return c.s.Profile == string(features.Seed) }

// Featurize implements the seam. With the seed profile a post without a
// place gets no features and is never clustered, as in the original.
func (c *Clusterer) Featurize(p *model.Point) { c.feat.Featurize(p) }

// widen returns f as float64 in buf (grown as needed).
func widen(buf []float64, f []float32) []float64 {
	buf = buf[:0]
	for _, v := range f {
		buf = append(buf, float64(v))
	}
	return buf
}

// Train implements the seam.
func (c *Clusterer) Train(batch []*model.Point) {
	c.LearnPosts(batch)
	dim := c.feat.Dim()
	if cap(c.slab) < len(batch)*dim {
		c.slab = make([]float64, len(batch)*dim)
	}
	c.batch = c.batch[:0]
	for _, p := range batch {
		if p.Vec() == nil {
			continue
		}
		i := len(c.batch)
		row := c.slab[i*dim : i*dim : (i+1)*dim]
		c.batch = append(c.batch, widen(row, p.Vec()))
	}
	if c.km == nil {
		for _, row := range c.batch {
			c.pending = append(c.pending, append([]float64(nil), row...))
		}
		if len(c.pending) < c.s.K {
			return // not enough points yet to seed k centres
		}
		centers := KMeansPlusPlus(c.pending, c.s.K, c.rng.Float64)
		if err := c.start(centers); err != nil {
			panic(err) // the settings were validated; the centres come from our points
		}
		c.pending = nil
	}
	c.km.Update(c.batch)
	c.changed()
}

// Forget implements the seam: the model decays instead.
func (c *Clusterer) Forget([]*model.Point) {}

// Age implements the seam.
func (c *Clusterer) Age(n int64) {
	if c.km != nil {
		c.km.DecayEmpty(n)
		c.changed()
	}
}

// Assign implements the seam; a point's score is its negated squared
// distance to its centre. It only reads the model.
func (c *Clusterer) Assign(points []*model.Point, scores []float64) {
	var x []float64
	for i, p := range points {
		vec := p.Vec()
		if c.km == nil || vec == nil {
			p.Cluster = -1
			continue
		}
		j := c.fast.nearest(vec)
		if j < 0 {
			x = widen(x, vec)
			j = c.km.Predict(x)
		}
		p.Cluster = c.lineage.ID(j)
		if scores != nil {
			var d float64
			for k, v := range c.km.Centers[j] {
				e := float64(vec[k]) - v
				d += e * e
			}
			scores[i] = -d
		}
	}
}

// Clusters implements the seam.
func (c *Clusterer) Clusters() []model.Lineage {
	if c.km == nil {
		return nil
	}
	return c.lineage.List()
}
