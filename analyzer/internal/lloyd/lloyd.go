// Package lloyd is a baseline for the streaming models: it learns nothing
// from batches and clusters every window afresh with batch spherical
// k-means on the spherical model's features (k-means++ seeding, then Lloyd
// passes until none moves a post). Comparing a streaming model with it
// tells whether a weakness is the stream's or the features'.
package lloyd

import (
	"flag"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/spherical"
	"github.com/geostream/geostream/shared/field"
)

// DefaultPasses is the most Lloyd passes a window gets.
const DefaultPasses = 30

// Settings are the spherical model's, and the passes.
type Settings struct {
	spherical.Settings
	Passes int
}

// DefaultSettings are the spherical model's defaults and 30 passes.
func DefaultSettings() Settings {
	return Settings{Settings: spherical.DefaultSettings(), Passes: DefaultPasses}
}

// Flags registers the settings that matter to a batch model on fs: the
// features and k, not the stream's decay or re-seeding.
func (s *Settings) Flags(fs *flag.FlagSet) {
	fs.IntVar(&s.K, "k", s.K, "number of clusters")
	fs.Uint64Var(&s.Seed, "seed", s.Seed, "random seed for the k-means++ seeding")
	fs.Float64Var(&s.Text, "text-weight", s.Text, "weight of the words' TF-IDF cosine")
	fs.Float64Var(&s.Geo, "geo-weight", s.Geo, "weight of the place's cosine")
	fs.Float64Var(&s.Hashtag, "hashtag-weight", s.Hashtag, "a hashtag weighs this many times a word")
	fs.BoolVar(&s.IDF, "idf", s.IDF, "weight words by inverse document frequency in the stream")
	fs.IntVar(&s.Passes, "passes", s.Passes, "most Lloyd passes per window")
}

// Validate checks the settings.
func (s *Settings) Validate() error {
	if s.Passes < 1 {
		return field.Errorf("Passes", "must be positive")
	}
	return s.Settings.Validate()
}

// Clusterer clusters each window afresh. Its ids are new for every
// window: nothing lasts.
type Clusterer struct {
	s     Settings
	feat  *spherical.Clusterer // the spherical model's featurizer
	core  *spherical.Model     // the current window's clustering
	first int                  // the id of the window's slot 0
	next  int
}

// New returns the baseline.
func New(s Settings) (*Clusterer, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	feat, err := spherical.NewClusterer(s.Settings)
	if err != nil {
		return nil, err
	}
	return &Clusterer{s: s, feat: feat}, nil
}

// Settings are the settings the baseline was made with.
func (c *Clusterer) Settings() Settings { return c.s }

// Featurize implements the seam, as the spherical model does.
func (c *Clusterer) Featurize(p *model.Point) { c.feat.Featurize(p) }

// Train implements the seam: nothing is learnt from batches.
func (c *Clusterer) Train([]*model.Point) {}

// Forget implements the seam.
func (c *Clusterer) Forget([]*model.Point) {}

// Age implements the seam.
func (c *Clusterer) Age(int64) {}

// Fit clusters a whole window, before Assign is asked about its parts.
func (c *Clusterer) Fit(points []*model.Point) {
	c.core = nil
	if len(points) == 0 {
		return
	}
	o := c.s.Options
	o.MinInit, o.InitIterations, o.Reassign, o.MaxShare = len(points), c.s.Passes, 1e-300, 1
	core, err := spherical.New(o)
	if err != nil {
		panic(err) // the options were validated
	}
	pts := make([]spherical.Point, len(points))
	for i, p := range points {
		pts[i] = spherical.PointOf(p)
	}
	core.Update(pts)
	c.core = core
	c.first = c.next
	c.next += o.K
}

// Assign implements the seam, with the clusters of the last Fit.
func (c *Clusterer) Assign(points []*model.Point, scores []float64) {
	var buf []float64
	for i, p := range points {
		if c.core == nil {
			p.Cluster = -1
			continue
		}
		q := spherical.PointOf(p)
		var j int
		j, buf = c.core.Nearest(&q, buf)
		p.Cluster = c.first + j
		if scores != nil {
			scores[i] = buf[j]
		}
	}
}

// Clusters implements the seam: the last window's clusters.
func (c *Clusterer) Clusters() []model.Lineage {
	if c.core == nil {
		return nil
	}
	out := make([]model.Lineage, c.core.K())
	for j := range out {
		out[j].ID = c.first + j
	}
	return out
}
