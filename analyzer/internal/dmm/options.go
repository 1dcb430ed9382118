package dmm

import (
	"flag"
	"math"

	"github.com/geostream/geostream/shared/field"
)

// Defaults, chosen on MStream's Tweets and News streams, a mix of real
// geotagged X posts and scraper synth --hard (see README, Quality).
const (
	DefaultAlpha         = 0.3
	DefaultBeta          = 0.04
	DefaultSweeps        = 1
	DefaultGeoWeight     = 1.0
	DefaultHashtagWeight = 2.0
	DefaultCell          = 0.5
	DefaultCoarseCell    = 0.0
	DefaultMemory        = 18
	DefaultRevive        = 0.5
	DefaultSeed          = 1
)

// Limits on the weights and cells, so that counts stay exact in fixed
// point (a weight is kept in 1/1024ths of a word).
const (
	maxWeight = 64.0
	minCell   = 0.001
	maxCell   = 90.0
	maxMemory = 8640 // a day of 10 s batches
)

// Options configures a Model. DefaultOptions gives the defaults; every
// field must be set (a zero weight is a choice, not a default).
type Options struct {
	// Alpha is the concentration: a post opens a new cluster with weight
	// Alpha times the number of posts the model holds, against a
	// cluster's number of posts (MStream's alpha).
	Alpha float64
	// Beta is the pseudo-count of every word in every cluster: the lower,
	// the more a cluster asks of a post's words to take it (MStream's
	// beta).
	Beta float64
	// Sweeps is how many times a batch's posts are placed again, each
	// against all the others, after the first pass placed them in turn.
	Sweeps int
	// Gibbs draws each post's cluster by its probability in every pass
	// but the last, as MStream's Gibbs sampler does. Off, every pass
	// takes the most probable cluster (iterated conditional modes), which
	// scored higher on every set we measured, and costs less.
	Gibbs bool
	// GeoWeight is how much the place counts against the words: a
	// located post carries its grid cell as a token of this many words
	// (split evenly between the cells when CoarseCell is set). 0 leaves
	// places out.
	GeoWeight float64
	// HashtagWeight is how many words a hashtag counts; "#word" counts as
	// the word "word", so a hashtag and its word meet.
	HashtagWeight float64
	// Cell is the side of the place's grid cell, in degrees of latitude
	// and longitude.
	Cell float64
	// CoarseCell, if not 0, adds a second, larger cell (in degrees), so
	// that posts near each other but in neighbouring cells still share a
	// token.
	CoarseCell float64
	// Memory is how many batches a cluster whose posts have all left the
	// window is remembered: a new cluster whose words match it takes its
	// id back, so that a topic keeps its id across a lull. 0 forgets at
	// once.
	Memory int
	// Revive is how alike (cosine of the word weights, in (0, 1]) a new
	// cluster and a remembered one must be for the new one to take the
	// remembered id.
	Revive float64
	// Seed seeds the draws of Gibbs: the same seed and input give the
	// same clusters. Without Gibbs nothing is drawn.
	Seed uint64
}

// DefaultOptions returns the defaults above.
func DefaultOptions() Options {
	return Options{
		Alpha:         DefaultAlpha,
		Beta:          DefaultBeta,
		Sweeps:        DefaultSweeps,
		GeoWeight:     DefaultGeoWeight,
		HashtagWeight: DefaultHashtagWeight,
		Cell:          DefaultCell,
		CoarseCell:    DefaultCoarseCell,
		Memory:        DefaultMemory,
		Revive:        DefaultRevive,
		Seed:          DefaultSeed,
	}
}

// Validate checks the options.
func (o *Options) Validate() error {
	switch {
	case !(o.Alpha > 0 && o.Alpha <= 1e6):
		return field.Errorf("Alpha", "must be positive and at most 1e6")
	case !(o.Beta > 0 && o.Beta <= 1e3):
		return field.Errorf("Beta", "must be positive and at most 1000")
	case o.Sweeps < 0 || o.Sweeps > 100:
		return field.Errorf("Sweeps", "must be between 0 and 100")
	case !(o.GeoWeight >= 0 && o.GeoWeight <= maxWeight):
		return field.Errorf("GeoWeight", "must be between 0 and %g", maxWeight)
	case !(o.HashtagWeight >= 1.0/64 && o.HashtagWeight <= maxWeight):
		return field.Errorf("HashtagWeight", "must be between 1/64 and %g", maxWeight)
	case !(o.Cell >= minCell && o.Cell <= maxCell):
		return field.Errorf("Cell", "must be between %g and %g degrees", minCell, maxCell)
	case o.CoarseCell != 0 && !(o.CoarseCell > o.Cell && o.CoarseCell <= maxCell):
		return field.Errorf("CoarseCell", "must be 0 or larger than the cell (%g) and at most %g degrees", o.Cell, maxCell)
	case o.Memory < 0 || o.Memory > maxMemory:
		return field.Errorf("Memory", "must be between 0 and %d batches", maxMemory)
	case !(o.Revive > 0 && o.Revive <= 1):
		return field.Errorf("Revive", "must be in (0, 1]")
	}
	return nil
}

// Flags registers the options on fs, bound to o's fields, with o's
// current values as defaults.
func (o *Options) Flags(fs *flag.FlagSet) {
	fs.Float64Var(&o.Alpha, "alpha", o.Alpha, "concentration: how readily a post opens a new cluster (times the posts held)")
	fs.Float64Var(&o.Beta, "beta", o.Beta, "pseudo-count of each word in each cluster: lower asks more shared words of a post")
	fs.IntVar(&o.Sweeps, "sweeps", o.Sweeps, "passes over each batch after its first, each post placed again against all the others")
	fs.BoolVar(&o.Gibbs, "gibbs", o.Gibbs, "draw each post's cluster by its probability in every pass but the last (MStream's Gibbs sampler), not the most probable")
	fs.Float64Var(&o.GeoWeight, "geo-weight", o.GeoWeight, "how many words a post's place counts (0: places left out)")
	fs.Float64Var(&o.HashtagWeight, "hashtag-weight", o.HashtagWeight, "how many words a hashtag counts")
	fs.Float64Var(&o.Cell, "geo-cell", o.Cell, "side of a place's grid cell, in degrees")
	fs.Float64Var(&o.CoarseCell, "geo-coarse-cell", o.CoarseCell, "side of a second, larger grid cell, in degrees (0: none)")
	fs.IntVar(&o.Memory, "memory", o.Memory, "batches a cluster that left the window is remembered, to give its id back to its topic (0: none)")
	fs.Float64Var(&o.Revive, "revive", o.Revive, "cosine of the words a new cluster needs with a remembered one to take its id")
	fs.Uint64Var(&o.Seed, "seed", o.Seed, "random seed (dmm draws only with --gibbs)")
}

// finite reports whether x is neither NaN nor infinite.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
