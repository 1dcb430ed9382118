package spherical

import (
	"flag"
	"math"

	"github.com/geostream/geostream/analyzer/internal/embed"
	"github.com/geostream/geostream/analyzer/internal/features"
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/shared/field"
)

// Defaults of Settings, chosen with analyzer eval on real tweets (see
// docs/quality.md).
const (
	DefaultK             = 15
	DefaultDecay         = 0.6
	DefaultGeoWeight     = 2.0
	DefaultHashtagWeight = 2.0
	DefaultSeed          = 3
)

// Settings configure spherical k-means as the analyzer's model: the
// algorithm's Options and how a post becomes one of its points.
type Settings struct {
	Options
	// HalfLife, if positive, sets Decay: the batches after which a
	// weight has halved.
	HalfLife float64
	// Hashtag is how many words a hashtag counts for.
	Hashtag float64
	// IDF weighs words by their inverse document frequency in the stream.
	IDF bool
	// Vectors are the word vectors of the dense block, used when
	// Options.Dense (the vector weight) is above zero.
	Vectors embed.Settings
}

// DefaultSettings are the analyzer's defaults: k 15, Spark's decay of 0.6
// a batch, words weighing 1 and the place 2, hashtags twice a word, no
// word vectors.
func DefaultSettings() Settings {
	o := DefaultOptions()
	o.K, o.Decay, o.Seed = DefaultK, DefaultDecay, DefaultSeed
	o.Text, o.Geo = features.DefaultTextWeight, DefaultGeoWeight
	return Settings{Options: o, Hashtag: DefaultHashtagWeight, Vectors: embed.DefaultSettings()}
}

// Flags registers the settings on fs.
func (s *Settings) Flags(fs *flag.FlagSet) {
	fs.IntVar(&s.K, "k", s.K, "number of clusters")
	fs.Float64Var(&s.Decay, "decay", s.Decay, "forgetfulness: weight kept per batch (1 = remember everything)")
	fs.Float64Var(&s.HalfLife, "half-life", s.HalfLife, "instead of --decay: batches after which a weight has halved")
	fs.Uint64Var(&s.Seed, "seed", s.Seed, "random seed for the initial centres")
	fs.Float64Var(&s.Text, "text-weight", s.Text, "weight of the words' TF-IDF cosine")
	fs.Float64Var(&s.Geo, "geo-weight", s.Geo, "weight of the place's cosine")
	fs.Float64Var(&s.Dense, "vector-weight", s.Dense, "weight of the cosine of the posts' mean word vectors (0: no word vectors)")
	fs.Float64Var(&s.Hashtag, "hashtag-weight", s.Hashtag, "a hashtag weighs this many times a word")
	fs.BoolVar(&s.IDF, "idf", s.IDF, "weight words by inverse document frequency in the stream")
	fs.IntVar(&s.Iterations, "iterations", s.Iterations, "assignment passes per batch, each against the centres the batch has moved")
	fs.Float64Var(&s.Reassign, "reassign", s.Reassign, "re-seed a cluster whose weight falls below this share of the largest")
	fs.Float64Var(&s.MaxShare, "max-share", s.MaxShare, "split a cluster that takes more than this share of a batch")
	s.Vectors.Flags(fs)
}

// Validate checks the settings.
func (s *Settings) Validate() error {
	switch {
	case s.K < 1 || s.K > 1000:
		return field.Errorf("K", "must be between 1 and 1000")
	case !(s.HalfLife >= 0) || math.IsInf(s.HalfLife, 0):
		return field.Errorf("HalfLife", "must be positive")
	case !(s.Hashtag >= 0) || math.IsInf(s.Hashtag, 0):
		return field.Errorf("Hashtag", "must not be negative")
	case s.Dense == 0 && (s.Vectors.File != "" || s.Vectors.Online.On || s.Vectors.Save != ""):
		return field.Errorf("Dense", "is 0: word vectors are not used (give the vectors a weight)")
	}
	o := s.options()
	if err := o.Validate(); err != nil {
		return err
	}
	return s.Vectors.Validate()
}

// options are the algorithm's options with HalfLife applied.
func (s *Settings) options() Options {
	o := s.Options
	if s.HalfLife > 0 {
		o.Decay = math.Exp(math.Log(0.5) / s.HalfLife)
	}
	return o
}

// Clusterer is spherical k-means behind the analyzer's model seam
// (cluster.Clusterer): it featurizes posts as hashed TF-IDF words, the
// place and optionally word vectors, trains on every batch with decay,
// and gives each cluster an id that lasts until its slot is seeded
// afresh. It is used from one goroutine, except that Assign only reads.
type Clusterer struct {
	// Owner holds the word vectors (V) and gives the methods for them.
	embed.Owner

	s       Settings
	core    *Model
	feat    features.Sparse
	batch   []Point
	lineage model.Slots
}

// NewClusterer returns the model the settings describe.
func NewClusterer(s Settings) (*Clusterer, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	o := s.options()
	o.fill()
	c := &Clusterer{s: s, feat: features.Sparse{Buckets: o.Buckets, Hashtag: s.Hashtag}}
	if s.IDF {
		c.feat.IDF = features.NewIDF(features.DefaultIDFBuckets)
	}
	if o.Dense > 0 {
		v, err := s.Vectors.Build(embed.DefaultHashed, s.Vectors.File == "", o.Seed)
		if err != nil {
			return nil, err
		}
		c.V, c.feat.Embed = v, v.Model
		o.DenseDim = v.Model.Dim()
	}
	core, err := New(o)
	if err != nil {
		return nil, err
	}
	c.core = core
	c.lineage = model.NewSlots(o.K)
	return c, nil
}

// Settings are the settings the model was made with.
func (c *Clusterer) Settings() Settings { return c.s }

// Featurize implements the seam.
func (c *Clusterer) Featurize(p *model.Point) { c.feat.Featurize(p) }

// PointOf is a post as the algorithm sees it, once a Clusterer has
// featurized it.
func PointOf(p *model.Point) Point {
	vec := p.Vec()
	n := len(vec)
	q := Point{Terms: p.Terms(), Dense: vec[:n-3]}
	copy(q.Geo[:], vec[n-3:])
	return q
}

// Train implements the seam.
func (c *Clusterer) Train(batch []*model.Point) {
	// The words train in the background while k-means trains here;
	// posts keep being featurized with the vectors as they were, until
	// the next batch closes and publishes the result.
	c.LearnPosts(batch)
	c.batch = c.batch[:0]
	for _, p := range batch {
		c.batch = append(c.batch, PointOf(p))
	}
	c.core.Update(c.batch)
	if !c.core.Ready() {
		c.batch = nil // the model keeps the points until it is seeded
	}
	c.lineage.Update(c.core)
}

// Forget implements the seam: the model decays instead.
func (c *Clusterer) Forget([]*model.Point) {}

// Age implements the seam.
func (c *Clusterer) Age(n int64) { c.core.DecayEmpty(n) }

// Assign implements the seam. It only reads the model.
func (c *Clusterer) Assign(points []*model.Point, scores []float64) {
	var buf []float64
	for i, p := range points {
		q := PointOf(p)
		var j int
		j, buf = c.core.Nearest(&q, buf)
		if j < 0 {
			p.Cluster = -1
			continue
		}
		p.Cluster = c.lineage.ID(j)
		if scores != nil {
			scores[i] = buf[j]
		}
	}
}

// Clusters implements the seam.
func (c *Clusterer) Clusters() []model.Lineage {
	if !c.core.Ready() {
		return nil
	}
	return c.lineage.List()
}
